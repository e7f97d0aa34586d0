"""A write-only key (Agora's recommendation: s3:PutObject alone) passes the storage check, on
moto with IAM enforced and a user whose only policy allows PutObject on the bucket's objects:
the put is the test, HeadBucket, GetObject and DeleteObject refused are warnings, and the
probe the check could not delete is named (it is really there)."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import pytest

from capture.cli import headless
from capture.cli.exits import Exit
from capture.cli.flags import parse_args
from capture.errors import StorageError
from capture.settings.model import Secret, StorageKind, StorageSettings
from capture.storage.s3 import S3Storage
from tests.support.s3 import AuthMoto, Keys, clean_aws_env, s3_client, shared_auth_moto


@pytest.fixture
def auth_moto(request: pytest.FixtureRequest) -> AuthMoto:
    return shared_auth_moto(request)


def with_keys(auth_moto: AuthMoto, keys: Keys) -> StorageSettings:
    return StorageSettings(
        kind=StorageKind.S3,
        endpoint=auth_moto.server.endpoint,
        region="us-east-1",
        bucket=auth_moto.bucket,
        access_key=keys.access_key,
        secret_key=Secret(keys.secret_key),
    )


def probe_left(auth_moto: AuthMoto, key: str) -> bytes:
    client = s3_client(auth_moto.server.endpoint, auth_moto.good)
    try:
        return bytes(client.get_object(Bucket=auth_moto.bucket, Key=key)["Body"].read())
    finally:
        client.delete_object(Bucket=auth_moto.bucket, Key=key)
        client.close()


def test_a_put_only_key_passes_the_check_with_warnings(auth_moto: AuthMoto) -> None:
    storage = S3Storage(with_keys(auth_moto, auth_moto.writer))
    try:
        steps = storage.check()
        storage.put("qa/20240102/a.jpg", b"jpeg")  # what the key is for works
        with pytest.raises(StorageError) as refused:
            storage.stat("qa/20240102/a.jpg")
    finally:
        storage.close()
    assert [(s.name, s.ok, s.warning) for s in steps] == [
        ("HeadBucket", True, True),
        ("PutObject probe", True, False),
        ("GetObject probe", True, True),
        ("DeleteObject probe", True, True),
    ]
    for step in (steps[0], steps[2], steps[3]):
        assert step.detail.startswith("not allowed (fine for a write-only key)")
    left = re.search(r"the probe s3://authshots/(\S+) was left behind", steps[3].detail)
    assert left is not None, steps[3].detail
    assert f"Delete s3://authshots/{left[1]}" in steps[3].advice
    assert probe_left(auth_moto, left[1]) == b"shothook storage probe"
    assert refused.value.code == "AccessDenied"


def test_check_storage_with_a_put_only_key_exits_0_naming_the_warnings(
    auth_moto: AuthMoto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in clean_aws_env(auth_moto.writer).items():
        monkeypatch.setenv(name, value)
    err = io.StringIO()
    code = headless.run(
        parse_args(
            [
                *("--headless", "--check-storage", "--data-dir", str(tmp_path)),
                *("--s3-endpoint", auth_moto.server.endpoint, "--bucket", auth_moto.bucket),
                *("--region", "us-east-1"),
            ]
        ),
        stderr=err,
    )
    text = err.getvalue()
    assert code == Exit.OK, text
    assert "  ok   PutObject probe: put shothookprobe/" in text
    assert text.count("  warn ") == 3
    assert "warn DeleteObject probe: not allowed (fine for a write-only key)" in text
    assert text.rstrip().endswith("storage works (3 warning(s))")
    left = re.search(r"the probe s3://authshots/(\S+) was left behind", text)
    assert left is not None
    assert f"note: Delete s3://authshots/{left[1]}" in text and "fix:" not in text
    assert auth_moto.writer.secret_key not in text
    probe_left(auth_moto, left[1])


def test_a_key_that_may_not_even_put_still_fails_at_the_put(auth_moto: AuthMoto) -> None:
    storage = S3Storage(with_keys(auth_moto, auth_moto.powerless))
    try:
        steps = storage.check()
    finally:
        storage.close()
    assert [(s.name, s.ok) for s in steps] == [("HeadBucket", True), ("PutObject probe", False)]
    assert steps[0].warning
    assert "access denied to bucket authshots" in steps[1].detail
    assert "s3:PutObject" in steps[1].advice


def test_a_wrong_secret_fails_at_head_bucket_not_as_write_only(auth_moto: AuthMoto) -> None:
    keys = replace(auth_moto.writer, secret_key="not-the-secret")
    storage = S3Storage(with_keys(auth_moto, keys))
    try:
        steps = storage.check()
    finally:
        storage.close()
    assert [(s.name, s.ok, s.warning) for s in steps] == [("HeadBucket", False, False)]
    assert "secret key does not match" in steps[0].detail
