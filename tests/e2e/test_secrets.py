"""The S3 secret key never shows: not in the journal (WAL included), events, stderr, the log
file, settings or any error message, after runs that used a good and a bad secret against a
moto server that checks signatures."""

from __future__ import annotations

import io
import json
import secrets
from dataclasses import replace
from pathlib import Path

import pytest

from capture import events
from capture.cli import headless
from capture.cli.exits import Exit
from capture.cli.flags import parse_args
from capture.errors import StorageError, describe
from capture.events import Fanout, JsonLinesWriter
from capture.paths import DataDir
from capture.settings.model import CaptureSettings, Secret, Settings, StorageKind, StorageSettings
from capture.sources import SyntheticSource
from capture.storage.s3 import S3Storage
from tests.support.engine import running_engine
from tests.support.events import EventLog
from tests.support.s3 import AuthMoto, shared_auth_moto

WAIT_S = 30.0


@pytest.fixture
def auth_moto(request: pytest.FixtureRequest) -> AuthMoto:
    return shared_auth_moto(request)


def journal_bytes(data_dir: DataDir) -> bytes:
    """The journal's files as they are on disk: the database, its WAL and shared memory."""
    files = [data_dir.journal.with_name(data_dir.journal.name + s) for s in ("", "-wal", "-shm")]
    return b"".join(f.read_bytes() for f in files if f.exists())


def test_secret_key_appears_nowhere(
    auth_moto: AuthMoto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad_secret = "Zz9BadSecret" + secrets.token_hex(12)
    good_secret = auth_moto.good.secret_key
    data_dir = DataDir.resolve(tmp_path / "data").create()
    seen: list[bytes] = []
    texts: list[str] = []

    # 1. The engine with explicit keys (as the window passes them): a good run, then a bad one.
    stream, stderr, log = io.StringIO(), io.StringIO(), EventLog()
    sink = Fanout(log, JsonLinesWriter(stream), headless.Progress(stderr))
    storage = StorageSettings(
        kind=StorageKind.S3,
        endpoint=auth_moto.server.endpoint,
        region="us-east-1",
        bucket=auth_moto.bucket,
        access_key=auth_moto.good.access_key,
        secret_key=Secret(good_secret),
    )
    good = Settings(capture=CaptureSettings(source="synthetic", interval=1), storage=storage)
    bad = replace(good, storage=replace(storage, secret_key=Secret(bad_secret)))
    with running_engine(data_dir, sink) as engine:
        source = SyntheticSource()
        source.open()
        engine.use_source(source, already_open=True)
        engine.start_webhook("127.0.0.1", 0)
        for settings, settles in ((good, True), (bad, False)):
            session = engine.start_session(settings, count=1)
            assert session.progress.wait_for(lambda p: p.capture_done, WAIT_S)
            assert session.drain(WAIT_S) is settles
            engine.stop_session()
        seen.append(journal_bytes(data_dir))  # before close: the WAL still holds recent rows
        texts += [repr(good), repr(bad), json.dumps(bad.to_public_dict()), str(bad.storage)]
    seen.append(journal_bytes(data_dir))
    texts += [stream.getvalue(), stderr.getvalue()]
    assert log.named(events.UPLOADS_PAUSED), "the bad secret was really refused"
    assert log.named(events.UPLOAD_SUCCEEDED), "the good secret really worked"

    # 2. Every StorageError the bad secret causes, through each S3 call and the check.
    client = S3Storage(bad.storage)
    with pytest.raises(StorageError) as caught:
        client.put("x/y.jpg", b"jpeg")
    steps = client.check()
    client.close()
    error = caught.value
    assert error.code == "SignatureDoesNotMatch"
    texts += [str(error), repr(error), error.message, error.advice, describe(error)]
    texts += [f"{s.detail} {s.advice}" for s in steps]

    # 3. Headless with the secret from the environment: a run and --check-storage.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", auth_moto.good.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", bad_secret)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    events_file = tmp_path / "events.jsonl"
    s3 = ["--s3-endpoint", auth_moto.server.endpoint, "--bucket", auth_moto.bucket]
    common = [*s3, "--region", "us-east-1", "--data-dir", str(data_dir.root)]
    for extra in (
        ["--source", "synthetic", "--count", "1", "--interval", "1", "--webhook-port", "0"],
        ["--check-storage"],
    ):
        err = io.StringIO()
        argv = ["--headless", *common, *extra, "--events", str(events_file)]
        assert headless.run(parse_args(argv), stderr=err) == Exit.FAILED
        texts.append(err.getvalue())
    assert "secret key does not match" in texts[-1]
    # The --count run ended at once on the pause, keeping the shot, and said what to change.
    assert "unfinished (uploads paused: the secret key does not match" in texts[-2]
    assert "Re-enter the secret key" in texts[-2] and "resume on the next start" in texts[-2]
    seen.append(journal_bytes(data_dir))
    seen.append(events_file.read_bytes())
    seen.append(data_dir.log.read_bytes())
    if data_dir.settings.exists():
        seen.append(data_dir.settings.read_bytes())

    everything = b"\n".join(seen) + "\n".join(texts).encode()
    for secret in (bad_secret, good_secret):
        assert secret.encode() not in everything
    assert b"SignatureDoesNotMatch" in everything, "the failures themselves were recorded"
