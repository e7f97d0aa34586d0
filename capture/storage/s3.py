"""S3 and S3-compatible storage through boto3 (one client, reused; the standard credential chain
when no keys are given)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from capture.errors import StorageError
from capture.settings.model import AddressingStyle, StorageSettings
from capture.storage.base import CheckStep, Flagged, StoredObject, probe_key, run_steps
from capture.storage.s3errors import classify

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

CONNECT_TIMEOUT_S = 3
WRITE_ONLY = "not allowed (fine for a write-only key)"
READ_TIMEOUT_S = 10


def make_client(settings: StorageSettings, *, pool: int = 16) -> S3Client:
    config = Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"mode": "standard", "total_max_attempts": 3},
        max_pool_connections=pool,
        s3={"addressing_style": settings.addressing_style.value},
        # Many S3-compatible servers reject the newer default checksum headers.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        user_agent_extra="ShotHook/0.1",
    )
    kwargs: dict[str, Any] = {"config": config}
    if settings.endpoint:
        kwargs["endpoint_url"] = settings.endpoint
    if settings.region:
        kwargs["region_name"] = settings.region
    if settings.access_key:
        kwargs["aws_access_key_id"] = settings.access_key
        kwargs["aws_secret_access_key"] = settings.secret_key.reveal()
    session = boto3.session.Session()
    return session.client("s3", **kwargs)


class S3Storage:
    def __init__(self, settings: StorageSettings, *, pool: int = 16) -> None:
        self.settings = settings
        self.bucket = settings.bucket
        where = settings.endpoint or "AWS"
        style = settings.addressing_style
        addressing = "" if style is AddressingStyle.AUTO else f", {style.value}-style addressing"
        self.label = f"s3://{self.bucket} at {where}{addressing}"
        self._client = make_client(settings, pool=pool)

    def put(self, key: str, data: bytes) -> str:
        try:
            self._client.put_object(
                Bucket=self.bucket, Key=key, Body=data, ContentType="image/jpeg"
            )
        except Exception as exc:
            raise classify(exc, self.settings) from exc
        return f"s3://{self.bucket}/{key}"

    def check(self) -> list[CheckStep]:
        """HeadBucket, then the put that is the real test, then read back and delete. A key
        that may only PutObject (what Agora recommends) passes: the other three refused are
        warnings, and a probe that could not be deleted is named for the user to delete."""
        key = probe_key(self.settings.prefix)
        body = b"shothook storage probe"
        where = f"s3://{self.bucket}/{key}"

        def head_bucket() -> str | Flagged:
            try:
                reply = self._client.head_bucket(Bucket=self.bucket)
            except ClientError as exc:
                error = self._explain_bare_status(exc)
                if error.code == "AccessDenied":
                    return Flagged(f"{WRITE_ONLY} (HeadBucket: {error.message})")
                raise error from exc
            except Exception as exc:
                raise classify(exc, self.settings) from exc
            headers = reply.get("ResponseMetadata", {}).get("HTTPHeaders", {})
            return self._region_seen(str(headers.get("x-amz-bucket-region", "")))

        def put_probe() -> str:
            try:
                self._client.put_object(Bucket=self.bucket, Key=key, Body=body)
            except Exception as exc:
                raise classify(exc, self.settings) from exc
            return f"put {key} ({len(body)} bytes)"

        def get_probe() -> str | Flagged:
            try:
                got = self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            except Exception as exc:
                error = classify(exc, self.settings, action="read")
                if error.code == "AccessDenied":
                    return Flagged(f"{WRITE_ONLY} (GetObject)")
                raise error from exc
            if got != body:
                raise classify(ValueError("read back different bytes than written"), self.settings)
            return "read back the same bytes"

        def delete_probe() -> str | Flagged:
            try:
                self._client.delete_object(Bucket=self.bucket, Key=key)
            except Exception as exc:
                error = classify(exc, self.settings, action="delete")
                if error.code == "AccessDenied":
                    return Flagged(
                        f"{WRITE_ONLY} (DeleteObject): the probe {where} was left behind",
                        advice=f"Delete {where} ({len(body)} bytes) with a key that may; "
                        "it is the only object the check leaves.",
                    )
                raise error from exc
            return "deleted the probe"

        return run_steps(
            [
                ("HeadBucket", head_bucket),
                ("PutObject probe", put_probe),
                ("GetObject probe", get_probe),
                ("DeleteObject probe", delete_probe),
            ]
        )

    def _region_seen(self, found: str) -> str | Flagged:
        """The bucket answered; a region it names that is not the one set is flagged, since
        signing for the wrong region fails on AWS as soon as the bucket moves or the
        endpoint changes (some servers accept any)."""
        reachable = f"bucket {self.bucket} is reachable"
        if not found:
            return reachable
        wanted = self.settings.region
        if wanted and found != wanted:
            return Flagged(
                f"{reachable}, but it is in region {found}, not {wanted}",
                advice=f"Set the region to {found}.",
            )
        return f"{reachable} (region {found})"

    def _explain_bare_status(self, exc: ClientError) -> StorageError:
        """A HEAD answer has no body, so a refusal comes as a bare 403 or 400 that cannot tell a
        wrong secret from a wrong access key or a missing permission. Ask again with a GET,
        whose answer names the error."""
        error = classify(exc, self.settings)
        if exc.response.get("Error", {}).get("Code") not in ("400", "403"):
            return error
        try:
            self._client.list_objects_v2(Bucket=self.bucket, MaxKeys=1)
        except Exception as detail:
            return classify(detail, self.settings, action="read")
        return error

    def list(self, prefix: str) -> Iterator[StoredObject]:
        """ListObjectsV2 page by page (1,000 keys a page), so a big bucket never sits in memory."""
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    yield StoredObject(item["Key"], int(item["Size"]), _etag(item["ETag"]))
        except Exception as exc:
            raise classify(exc, self.settings, action="list") from exc

    def stat(self, key: str) -> StoredObject | None:
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise classify(exc, self.settings, action="read") from exc
        except Exception as exc:
            raise classify(exc, self.settings, action="read") from exc
        return StoredObject(key, int(head["ContentLength"]), _etag(head["ETag"]))

    def close(self) -> None:
        self._client.close()


def _etag(value: str) -> str:
    return value.strip('"').lower()
