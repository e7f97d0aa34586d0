"""The storage backends the shared storage tests run against (tests/storage/test_backends.py),
each as a fresh place to store per test plus a hand from outside to change what is stored:
the local folder, moto's S3 server and rclone's real S3 server (`rclone serve s3`).
"""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import boto3
import pytest
from botocore.config import Config

from capture.cli import headless
from capture.cli.flags import parse_args
from capture.settings.model import StorageKind, StorageSettings


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


class Backend(Protocol):
    name: str
    secret: str  # the secret key ShotHook signs with ("" for the local folder)

    @property
    def settings(self) -> StorageSettings: ...

    def flags(self) -> list[str]:
        """The headless flags that select this storage."""

    def read(self, key: str) -> bytes | None: ...

    def write(self, key: str, data: bytes) -> None:
        """Store `data` under `key` behind ShotHook's back."""

    def remove(self, key: str) -> None: ...

    def keys(self) -> list[str]: ...


@dataclass
class LocalBackend:
    root: Path
    name: str = "local"
    secret: str = ""

    @property
    def settings(self) -> StorageSettings:
        return StorageSettings(kind=StorageKind.LOCAL, directory=str(self.root))

    def flags(self) -> list[str]:
        return ["--storage-dir", str(self.root)]

    def read(self, key: str) -> bytes | None:
        path = self.root / key
        return path.read_bytes() if path.is_file() else None

    def write(self, key: str, data: bytes) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def remove(self, key: str) -> None:
        (self.root / key).unlink()

    def keys(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()
        )


class S3Backend:
    """A fresh bucket on an S3 server, with the keys that server takes in the AWS chain's
    environment variables (headless runs read them there)."""

    def __init__(
        self, name: str, endpoint: str, keys: tuple[str, str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.name = name
        self.endpoint = endpoint
        self.secret = keys[1]
        for variable, value in (
            ("AWS_ACCESS_KEY_ID", keys[0]),
            ("AWS_SECRET_ACCESS_KEY", keys[1]),
            ("AWS_DEFAULT_REGION", "us-east-1"),
        ):
            monkeypatch.setenv(variable, value)
        self.bucket = f"shots-{uuid.uuid4().hex[:12]}"
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=keys[0],
            aws_secret_access_key=keys[1],
            config=Config(
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                s3={"addressing_style": "path"},
            ),
        )
        self._client.create_bucket(Bucket=self.bucket)

    @property
    def settings(self) -> StorageSettings:
        return StorageSettings(
            kind=StorageKind.S3, endpoint=self.endpoint, region="us-east-1", bucket=self.bucket
        )

    def flags(self) -> list[str]:
        return [
            *("--s3-endpoint", self.endpoint, "--bucket", self.bucket, "--region", "us-east-1"),
        ]

    def read(self, key: str) -> bytes | None:
        try:
            return bytes(self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except self._client.exceptions.NoSuchKey:
            return None

    def write(self, key: str, data: bytes) -> None:
        self._client.put_object(Bucket=self.bucket, Key=key, Body=data)

    def remove(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=key)

    def keys(self) -> list[str]:
        listing = self._client.list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def close(self) -> None:
        self._client.close()


def run_headless(data: Path, *args: str) -> tuple[int, str]:
    """main.py --headless in this process (the environment's AWS keys apply): status, stderr."""
    err = io.StringIO()
    code = headless.run(parse_args(["--headless", "--data-dir", str(data), *args]), stderr=err)
    return code, err.getvalue()


def capture_run(data: Path, backend: Backend, *extra: str) -> tuple[int, str]:
    """One round of shots of the test pattern for 3 users into the backend, notified to the
    embedded webhook."""
    return run_headless(
        data,
        *("--source", "synthetic", "--interval", "1", "--count", "1", "--users", "3"),
        *("--webhook-port", "0", "--prefix", "qa/run1"),
        *backend.flags(),
        *extra,
    )
