"""Storage: the local folder (atomic writes, no escaping the root) and S3 through moto's server
over real HTTP (path and virtual addressing, credentials, one reused client, the check)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest

from capture.errors import StorageError
from capture.settings.model import AddressingStyle, Secret, StorageKind, StorageSettings
from capture.storage import LocalStorage, make_storage
from capture.storage.s3 import S3Storage
from tests.support.servers import MotoServer

SID = "0123456789abcdef0123456789abcdef"
KEY = f"qa/run1/20240102/{SID}_c__uid_s_1__uid_e_video_20240102030405006.jpg"
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40 + b"\xff\xd9"


# -- the local folder --------------------------------------------------------------------------


def test_local_put_writes_key_under_the_root(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "store")
    location = storage.put(KEY, JPEG)
    target = tmp_path / "store" / KEY
    assert target.read_bytes() == JPEG
    assert location == str(target.resolve())


def test_local_put_replaces_an_existing_object_whole(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    storage.put("a/b.jpg", b"old content that is longer")
    storage.put("a/b.jpg", b"new")
    assert (tmp_path / "a" / "b.jpg").read_bytes() == b"new"


def test_local_put_is_atomic_the_object_appears_only_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = LocalStorage(tmp_path)
    target = tmp_path / "a" / "b.jpg"
    seen_before_rename: list[tuple[bool, list[bytes]]] = []
    real_replace = os.replace

    def watching_replace(src: Any, dst: Any) -> None:
        partials = [p.read_bytes() for p in target.parent.iterdir() if p != target]
        seen_before_rename.append((target.exists(), partials))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", watching_replace)
    storage.put("a/b.jpg", JPEG)
    # Just before the rename the key did not exist yet, and the bytes sat complete in a temp file.
    assert seen_before_rename == [(False, [JPEG])]
    assert sorted(p.name for p in target.parent.iterdir()) == ["b.jpg"]


def test_local_put_that_fails_midway_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = LocalStorage(tmp_path)

    def disk_full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(StorageError) as info:
        storage.put("a/b.jpg", JPEG)
    assert "No space left on device" in str(info.value)
    assert info.value.retryable
    assert list((tmp_path / "a").iterdir()) == []  # no object, no temp file


@pytest.mark.parametrize("key", ["../escape.jpg", "a/../../escape.jpg", "/etc/escape.jpg"])
def test_local_key_that_escapes_the_root_is_refused(tmp_path: Path, key: str) -> None:
    root = tmp_path / "store"
    storage = LocalStorage(root)
    with pytest.raises(StorageError, match="leaves the storage folder") as info:
        storage.put(key, JPEG)
    assert not info.value.retryable
    assert not (tmp_path / "escape.jpg").exists()


def test_local_check_steps_succeed_and_leave_no_probe(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path, prefix="qa")
    steps = storage.check()
    assert [(s.name, s.ok) for s in steps] == [
        ("write probe", True),
        ("read back", True),
        ("delete", True),
    ]
    assert list(tmp_path.rglob("*.txt")) == []
    assert list(tmp_path.iterdir()) == []  # the folders the probe made are gone too


def test_local_check_keeps_a_prefix_folder_that_was_there_before(tmp_path: Path) -> None:
    (tmp_path / "qa").mkdir()
    assert all(step.ok for step in LocalStorage(tmp_path, prefix="qa").check())
    assert [p.name for p in tmp_path.iterdir()] == ["qa"]
    assert list((tmp_path / "qa").iterdir()) == []


def test_make_storage_picks_the_local_folder_by_default(tmp_path: Path) -> None:
    default = make_storage(StorageSettings(), tmp_path / "default")
    assert isinstance(default, LocalStorage)
    assert default.root == tmp_path / "default"
    chosen = make_storage(StorageSettings(directory=str(tmp_path / "mine")), tmp_path / "d")
    assert isinstance(chosen, LocalStorage)
    assert chosen.root == tmp_path / "mine"


# -- S3 through moto's server ------------------------------------------------------------------


def s3_client(moto: MotoServer) -> closing[Any]:
    """A plain boto3 client of the test's own, to look at the bucket from outside."""
    return closing(boto3.client("s3", endpoint_url=moto.endpoint, region_name="us-east-1"))


def sent_requests(storage: S3Storage) -> list[Any]:
    """Every HTTP request the storage's client sends from now on (botocore's own event hook)."""
    requests: list[Any] = []
    storage._client.meta.events.register(
        "before-send.s3", lambda request, **_: requests.append(request)
    )
    return requests


def put_once(settings: StorageSettings, key: str) -> list[Any]:
    """Put JPEG under `key` with a fresh S3Storage; return the HTTP requests it sent."""
    storage = S3Storage(settings)
    requests = sent_requests(storage)
    try:
        storage.put(key, JPEG)
    finally:
        storage.close()
    return requests


@pytest.fixture
def s3(bucket: StorageSettings) -> Iterator[S3Storage]:
    storage = S3Storage(bucket)
    yield storage
    storage.close()


def test_s3_put_stores_exact_bytes_as_image_jpeg(
    s3: S3Storage, bucket: StorageSettings, moto: MotoServer
) -> None:
    location = s3.put(KEY, JPEG)
    assert location == f"s3://{bucket.bucket}/{KEY}"
    with s3_client(moto) as client:
        got = client.get_object(Bucket=bucket.bucket, Key=KEY)
        assert got["Body"].read() == JPEG
        assert got["ContentType"] == "image/jpeg"
        assert got["ContentLength"] == len(JPEG)


def test_s3_path_style_puts_the_bucket_in_the_path(
    bucket: StorageSettings, moto: MotoServer
) -> None:
    requests = put_once(replace(bucket, addressing_style=AddressingStyle.PATH), "a/b.jpg")
    assert [r.url for r in requests] == [f"{moto.endpoint}/{bucket.bucket}/a/b.jpg"]


def test_s3_virtual_style_puts_the_bucket_in_the_host(
    bucket: StorageSettings, moto: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Virtual-hosted addressing (what Alibaba OSS needs) against the local server.

    botocore never puts a bucket in front of an IP address (it falls back to path style for
    http://127.0.0.1:...), so the endpoint is http://localhost:PORT and the bucket host is
    <bucket>.localhost, which this machine's resolver does not know: the test resolves
    *.localhost to 127.0.0.1 itself. Everything else is real: the request goes over HTTP with
    Host: <bucket>.localhost and moto's server routes it by that host name.
    """
    real_getaddrinfo = socket.getaddrinfo

    def resolve_localhost_subdomains(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve_localhost_subdomains)
    settings = replace(
        bucket,
        endpoint=f"http://localhost:{moto.port}",
        addressing_style=AddressingStyle.VIRTUAL,
    )
    requests = put_once(settings, "v/b.jpg")
    assert [r.url for r in requests] == [f"http://{bucket.bucket}.localhost:{moto.port}/v/b.jpg"]
    with s3_client(moto) as client:
        assert client.get_object(Bucket=bucket.bucket, Key="v/b.jpg")["Body"].read() == JPEG


def access_key_sent(request: Any) -> str:
    authorization = request.headers["Authorization"]
    authorization = authorization.decode() if isinstance(authorization, bytes) else authorization
    return authorization.split("Credential=")[1].split("/")[0]


def test_s3_blank_keys_use_the_standard_credential_chain(bucket: StorageSettings) -> None:
    assert bucket.access_key == ""
    requests = put_once(bucket, "chain.jpg")
    assert access_key_sent(requests[0]) == os.environ["AWS_ACCESS_KEY_ID"] == "testing"


def test_s3_explicit_keys_win_over_the_environment(bucket: StorageSettings) -> None:
    settings = replace(bucket, access_key="AKIAEXPLICIT", secret_key=Secret("explicit-secret"))
    requests = put_once(settings, "explicit.jpg")
    assert access_key_sent(requests[0]) == "AKIAEXPLICIT"


def test_s3_explicit_keys_work_with_no_credentials_in_the_environment(
    bucket: StorageSettings, monkeypatch: pytest.MonkeyPatch, moto: MotoServer
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    settings = replace(bucket, access_key="AKIAONLY", secret_key=Secret("only-secret"))
    assert access_key_sent(put_once(settings, "only.jpg")[0]) == "AKIAONLY"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with s3_client(moto) as client:
        assert client.get_object(Bucket=bucket.bucket, Key="only.jpg")["Body"].read() == JPEG


def test_s3_client_is_made_once_and_reused_for_every_put(
    bucket: StorageSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[Any] = []
    real_client = boto3.session.Session.client

    def counting_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = real_client(self, *args, **kwargs)
        made.append(client)
        return client

    monkeypatch.setattr(boto3.session.Session, "client", counting_client)
    storage = S3Storage(bucket)
    requests = sent_requests(storage)  # registered on the one client it made
    try:
        for n in range(5):
            storage.put(f"reuse/{n}.jpg", JPEG)
        storage.check()
    finally:
        storage.close()
    assert len(made) == 1
    assert [r.method for r in requests[:5]] == ["PUT"] * 5
    assert len(requests) == 5 + 4  # the check's four steps went through the same client


def test_s3_check_steps_succeed_on_a_good_bucket_and_leave_no_probe(
    s3: S3Storage, bucket: StorageSettings, moto: MotoServer
) -> None:
    steps = s3.check()
    assert [(s.name, s.ok) for s in steps] == [
        ("HeadBucket", True),
        ("PutObject probe", True),
        ("GetObject probe", True),
        ("DeleteObject probe", True),
    ]
    assert f"bucket {bucket.bucket} is reachable" in steps[0].detail
    assert all(s.ms >= 0 and s.advice == "" for s in steps)
    with s3_client(moto) as client:
        assert client.list_objects_v2(Bucket=bucket.bucket).get("KeyCount") == 0


def test_make_storage_picks_s3_for_s3_settings(bucket: StorageSettings, tmp_path: Path) -> None:
    assert bucket.kind is StorageKind.S3
    storage = make_storage(bucket, tmp_path)
    try:
        assert isinstance(storage, S3Storage)
        assert storage.label == f"s3://{bucket.bucket} at {bucket.endpoint}"
    finally:
        storage.close()
    by_name = replace(
        bucket,
        endpoint=bucket.endpoint.replace("127.0.0.1", "localhost"),
        addressing_style=AddressingStyle.VIRTUAL,
    )
    storage = make_storage(by_name, tmp_path)
    try:
        assert storage.label.endswith(", virtual-style addressing")
    finally:
        storage.close()
    storage = make_storage(replace(bucket, addressing_style=AddressingStyle.VIRTUAL), tmp_path)
    try:  # botocore sends path style to an IP address: the label says so
        assert storage.label.endswith(", virtual-style addressing chosen but path style sent")
    finally:
        storage.close()
