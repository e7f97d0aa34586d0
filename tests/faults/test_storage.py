"""Storage that goes away, refuses, or is misconfigured: nothing is lost, every failure is
explained in words that say what to change.

The outage tests put a TcpProxy between the app and moto's server and take the proxy down and
up: moto keeps its state (the bucket and what was uploaded before the outage), which restarting
a moto process would wipe, and the bucket's versioning counts every PUT, so "uploaded once" is
checked by S3 itself. Errors moto cannot produce (a wrong region, clock skew) come from a tiny
loopback server answering S3-style XML, as S3 words them.
"""

from __future__ import annotations

import io
import json
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from capture import events
from capture.cli import headless
from capture.cli.exits import Exit
from capture.cli.flags import parse_args
from capture.engine import Engine
from capture.errors import ShotHookError, StorageError
from capture.paths import DataDir
from capture.settings.model import Secret, StorageKind, StorageSettings
from capture.shooting import encoder
from capture.shooting.encoder import encode_jpeg
from capture.sources import SyntheticSource
from capture.storage.s3 import S3Storage
from tests.support.engine import query, running_engine, start_synthetic, synthetic_settings
from tests.support.events import EventLog
from tests.support.loopback import TcpProxy
from tests.support.s3 import (
    AuthMoto,
    Keys,
    S3Answer,
    S3ErrorServer,
    s3_error,
    shared_auth_moto,
    versions_per_key,
)
from tests.support.servers import MotoServer

WAIT_S = 30.0


@pytest.fixture
def auth_moto(request: pytest.FixtureRequest) -> AuthMoto:
    return shared_auth_moto(request)


def headless_args(data: Path, *extra: str) -> list[str]:
    data.mkdir(parents=True, exist_ok=True)
    return [
        "--headless",
        "--source",
        "synthetic",
        "--interval",
        "1",
        "--data-dir",
        str(data),
        "--webhook-port",
        "0",
        "--events",
        str(data / "events.jsonl"),
        *extra,
    ]


def run_headless(args: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    code = headless.run(parse_args(args), stderr=err)
    return code, err.getvalue()


def read_events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# -- the storage goes away mid-run, and comes back ----------------------------------------------


def test_storage_down_mid_run_every_shot_arrives_once_oldest_first(
    data_dir: DataDir, versioned: StorageSettings, proxy: TcpProxy
) -> None:
    log = EventLog()
    settings = synthetic_settings(replace(versioned, endpoint=proxy.endpoint))
    with running_engine(data_dir, log) as engine:
        start_synthetic(engine)
        session = engine.start_session(settings, count=5, upload_workers=1)
        log.wait_count(events.UPLOAD_SUCCEEDED, 1, WAIT_S)

        down_at = log.mark()
        proxy.down()
        log.wait_count(events.UPLOAD_FAILED, 2, WAIT_S, after=down_at)
        log.wait_count(events.SHOT_CAPTURED, 3, WAIT_S, after=down_at)
        assert query(data_dir, "SELECT COUNT(*) FROM shots WHERE upload_state = 'pending'")[0][0]
        assert session.uploads.trouble.startswith("cannot reach")

        proxy.up()
        assert session.progress.wait_for(lambda p: p.capture_done, WAIT_S)
        assert session.drain(WAIT_S)
        engine.stop_session()

    shots = query(data_dir, "SELECT id, object_key, upload_state, notify_state FROM shots")
    assert len(shots) == 5
    assert all(s["upload_state"] == "uploaded" and s["notify_state"] == "delivered" for s in shots)
    # S3 holds each shot exactly once: one PUT that got through per key.
    assert versions_per_key(versioned.endpoint, versioned.bucket) == {
        s["object_key"]: 1 for s in shots
    }
    # Oldest first once storage was back; while it was down, only the oldest was tried.
    uploaded = [e["shot_id"] for e in log.named(events.UPLOAD_SUCCEEDED)]
    assert uploaded == sorted(uploaded) == [s["id"] for s in shots]
    failed = log.since(down_at, events.UPLOAD_FAILED)
    assert {f["shot_id"] for f in failed} == {failed[0]["shot_id"]}
    assert all(f["retryable"] and f["error"].startswith("cannot reach") for f in failed)
    assert [f["retry_in_s"] for f in failed] == sorted(f["retry_in_s"] for f in failed)
    assert len(log.named(events.UPLOADS_RESUMED)) == 1
    # The webhook got every notification once (no retries needed), after its upload.
    received = log.named(events.CALLBACK_RECEIVED)
    assert sorted(r["shot_id"] for r in received) == [s["id"] for s in shots]
    assert all(r["delivery"] == 1 and r["code"] == 200 for r in received)


def images_in_memory() -> int:
    """Bytes still alive that the JPEG encoder allocated (tracemalloc must be tracing)."""
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(True, encoder.__file__)]
    )
    return sum(stat.size for stat in snapshot.statistics("filename"))


def test_shots_waiting_for_the_storage_hold_no_image_in_memory(
    data_dir: DataDir, versioned: StorageSettings, proxy: TcpProxy
) -> None:
    log = EventLog()
    settings = synthetic_settings(replace(versioned, endpoint=proxy.endpoint))
    settings = replace(settings, capture=replace(settings.capture, users=8))
    proxy.down()
    tracemalloc.start()
    try:
        with running_engine(data_dir, log) as engine:
            start_synthetic(engine)
            assert engine.slot.wait_newer(-1, WAIT_S) is not None  # every round has a frame
            session = engine.start_session(settings, count=6)
            assert session.progress.wait_for(lambda p: p.capture_done, WAIT_S)
            waiting, held = len(session.uploads), images_in_memory()

            proxy.up()
            session.uploads.retry_now()
            assert session.drain(WAIT_S)
            engine.stop_session()
    finally:
        tracemalloc.stop()

    shots = log.named(events.SHOT_CAPTURED)
    assert len(shots) == 48 and waiting >= 47  # all but the one being tried, if any
    # Each round's image was encoded once for its 8 users; none of the 6 is held by the queue.
    assert held < min(s["bytes"] for s in shots), held
    # Read back from the spool when their turn came: each shot in S3 once.
    assert versions_per_key(versioned.endpoint, versioned.bucket) == {s["object"]: 1 for s in shots}


def test_headless_count_with_storage_down_exits_1_then_next_start_uploads(
    tmp_path: Path, versioned: StorageSettings, proxy: TcpProxy
) -> None:
    data = tmp_path / "data"
    s3 = ["--s3-endpoint", proxy.endpoint, "--bucket", versioned.bucket, "--region", "us-east-1"]
    proxy.down()
    code, err = run_headless(headless_args(data, *s3, "--count", "2", "--drain-timeout", "1"))

    assert code == Exit.FAILED
    assert "2 upload(s) and 0 notification(s) unfinished (storage unreachable: cannot reach" in err
    assert "stay in the spool" in err and "resume on the next start" in err
    pending = query(DataDir.resolve(data), "SELECT spool_path FROM shots")
    assert len(pending) == 2 and all((data / p["spool_path"]).is_file() for p in pending)

    proxy.up()
    code, err = run_headless(headless_args(data, *s3, "--count", "1"))

    assert code == Exit.OK, err
    assert "resuming 2 unfinished" in err
    shots = query(DataDir.resolve(data), "SELECT object_key, notify_state FROM shots")
    assert len(shots) == 3 and {s["notify_state"] for s in shots} == {"delivered"}
    assert versions_per_key(versioned.endpoint, versioned.bucket) == {
        s["object_key"]: 1 for s in shots
    }


def test_spool_cap_warns_then_refuses_with_206(
    tmp_path: Path, versioned: StorageSettings, proxy: TcpProxy
) -> None:
    source = SyntheticSource()
    source.open()
    frame = source.read()
    assert frame is not None
    shot_size = len(encode_jpeg(frame, 10))
    cap = int(5.5 * shot_size)  # room for 5 shots; the 80% warning cannot be skipped
    data = tmp_path / "data"
    s3 = ["--s3-endpoint", proxy.endpoint, "--bucket", versioned.bucket, "--region", "us-east-1"]
    proxy.down()

    code, err = run_headless(
        headless_args(
            data,
            *s3,
            *("--count", "3", "--users", "3", "--jpeg-quality", "10"),
            *("--spool-cap-mb", f"{cap / 1e6:.6f}", "--drain-timeout", "1"),
        )
    )

    assert code == Exit.FAILED
    got = read_events(data / "events.jsonl")
    warnings = [e for e in got if e["event"] == events.SPOOL_WARNING]
    assert "% full" in warnings[0]["message"] and warnings[0]["cap_bytes"] == cap
    assert any(w["message"].startswith("spool full") for w in warnings[1:])
    assert "warning: spool" in err and "raise the spool cap" in err
    refused = [e for e in got if e["event"] == events.TICK_MISSED]
    assert refused and all("spool full" in e["reason"] for e in refused)
    notified_206 = [e for e in got if e["event"] == events.CALLBACK_RECEIVED and e["code"] == 206]
    assert {e["shot_id"] for e in notified_206} == {e["shot_id"] for e in refused}
    kept = query(
        DataDir.resolve(data), "SELECT SUM(size) FROM shots WHERE upload_state = 'pending'"
    )
    assert 0 < kept[0][0] <= cap


def test_spool_cap_flag_rejects_bad_values(tmp_path: Path) -> None:
    for bad in ("0", "-1", "lots"):
        code, err = run_headless(headless_args(tmp_path, "--spool-cap-mb", bad))
        assert code == Exit.CONFIG
        assert err.startswith("shothook: --spool-cap-mb: a number of megabytes above 0")


def test_spool_keep_flag_rejects_bad_values(tmp_path: Path) -> None:
    for bad in ("-1", "lots", "nan", "inf", "1000001", "9" * 5000):
        code, err = run_headless(headless_args(tmp_path, "--spool-keep-mb", bad))
        assert code == Exit.CONFIG, bad
        assert err.startswith("shothook: --spool-keep-mb: a number of megabytes, 0 to 1000000")
        assert "Traceback" not in err


# -- errors retrying cannot fix ------------------------------------------------------------------

SKEWED_REQUEST = "20261125T170000Z"
SKEWED_SERVER = "2026-11-25T17:20:00Z"


def s3_settings(endpoint: str, bucket: str = "shots", region: str = "us-east-1") -> Any:
    return StorageSettings(kind=StorageKind.S3, endpoint=endpoint, bucket=bucket, region=region)


@pytest.mark.parametrize(
    ("reply", "code", "message", "advice"),
    [
        pytest.param(
            S3Answer(
                301,
                s3_error("PermanentRedirect", "Use the specified endpoint.", Bucket="shots"),
                {"x-amz-bucket-region": "eu-west-2"},
            ),
            "WrongRegion",
            "bucket shots is in region eu-west-2, not us-east-1",
            "Set the region to eu-west-2.",
            id="permanent-redirect",
        ),
        pytest.param(
            S3Answer(
                400,
                s3_error(
                    "AuthorizationHeaderMalformed",
                    "the region 'us-east-1' is wrong; expecting 'ap-south-1'",
                    Region="ap-south-1",
                ),
            ),
            "WrongRegion",
            "bucket shots is in region ap-south-1",
            "Set the region to ap-south-1.",
            id="authorization-header-region",
        ),
        pytest.param(
            S3Answer(
                403,
                s3_error(
                    "RequestTimeTooSkewed",
                    "The difference between the request time and the current time is too large.",
                    RequestTime=SKEWED_REQUEST,
                    ServerTime=SKEWED_SERVER,
                    MaxAllowedSkewMilliseconds="900000",
                ),
            ),
            "RequestTimeTooSkewed",
            "this computer's clock is 20 min behind the server's",
            "Set the system clock right",
            id="clock-skew",
        ),
        pytest.param(
            S3Answer(404, s3_error("NoSuchBucket", "The specified bucket does not exist")),
            "NoSuchBucket",
            "bucket shots does not exist at http://127.0.0.1:",
            "Create the bucket, or fix the bucket name, endpoint or region.",
            id="no-such-bucket",
        ),
    ],
)
def test_permanent_s3_errors_say_what_to_change(
    aws_env: None, reply: S3Answer, code: str, message: str, advice: str
) -> None:
    with S3ErrorServer(reply) as server:
        storage = S3Storage(s3_settings(server.endpoint))
        with pytest.raises(StorageError) as caught:
            storage.put("a/b.jpg", b"jpeg")
        storage.close()
    error = caught.value
    assert (error.code, error.retryable) == (code, False)
    assert message in error.message and advice in error.advice
    assert server.requests, "the error came over HTTP"


def test_paused_uploads_resume_when_the_fault_is_fixed(data_dir: DataDir, aws_env: None) -> None:
    """A pause is not the end: the queue probes (every 30 s, or at once on retry_now) and the
    first upload that gets through resumes everything."""
    skew = s3_error(
        "RequestTimeTooSkewed", "too large", RequestTime=SKEWED_REQUEST, ServerTime=SKEWED_SERVER
    )
    log = EventLog()
    with S3ErrorServer(S3Answer(403, skew)) as server, running_engine(data_dir, log) as engine:
        settings = synthetic_settings(s3_settings(server.endpoint))
        start_synthetic(engine)
        session = engine.start_session(settings, count=2)
        (paused,) = log.wait_count(events.UPLOADS_PAUSED, 1, WAIT_S)
        assert session.progress.wait_for(lambda p: p.capture_done, WAIT_S)
        assert session.uploads.pause is not None and session.uploads.retry_in() > 20

        server.reply = S3Answer(200, b"", {"ETag": '"0123456789abcdef"'})  # the clock was set
        session.uploads.retry_now()
        assert session.drain(WAIT_S)
        engine.stop_session()

    assert paused["code"] == "RequestTimeTooSkewed" and "20 min behind" in paused["reason"]
    assert len(log.named(events.UPLOADS_RESUMED)) == 1
    assert len(log.named(events.NOTIFY_SUCCEEDED)) == 2
    failures = log.named(events.UPLOAD_FAILED)
    assert {f["code"] for f in failures} == {"RequestTimeTooSkewed"}
    assert len(failures) <= 2, "paused: no attempt until the probe (one in flight at most)"


def test_clock_skew_without_times_in_the_body_uses_the_date_header(aws_env: None) -> None:
    server_time = datetime.now(UTC) + timedelta(hours=1, minutes=2)
    reply = S3Answer(
        403,
        s3_error("RequestTimeTooSkewed", "too large"),
        {"Date": format_datetime(server_time, usegmt=True)},
    )
    with S3ErrorServer(reply) as server:
        storage = S3Storage(s3_settings(server.endpoint))
        with pytest.raises(StorageError) as caught:
            storage.put("a/b.jpg", b"jpeg")
        storage.close()
    assert "clock is 1 h 2 min" in caught.value.message
    assert "behind the server's" in caught.value.message


@pytest.mark.parametrize(("status", "code"), [(500, "InternalError"), (503, "SlowDown")])
def test_server_errors_are_retried(aws_env: None, status: int, code: str) -> None:
    with S3ErrorServer(S3Answer(status, s3_error(code, "try again"))) as server:
        storage = S3Storage(s3_settings(server.endpoint))
        with pytest.raises(StorageError) as caught:
            storage.put("a/b.jpg", b"jpeg")
        storage.close()
    assert caught.value.retryable and caught.value.code == code


@pytest.mark.parametrize(
    ("keys", "code", "words"),
    [
        pytest.param(
            "wrong-secret", "SignatureDoesNotMatch", "secret key does not match", id="sig"
        ),
        pytest.param("unknown-key", "InvalidAccessKeyId", "access key is not known", id="key"),
        pytest.param("powerless", "AccessDenied", "access denied to bucket", id="denied"),
    ],
)
def test_moto_with_auth_refuses_bad_keys_in_plain_words(
    auth_moto: AuthMoto, keys: str, code: str, words: str
) -> None:
    chosen = {
        "wrong-secret": Keys(auth_moto.good.access_key, "not-the-secret"),
        "unknown-key": Keys("AKIAUNKNOWNUNKNOWN00", "whatever"),
        "powerless": auth_moto.powerless,
    }[keys]
    settings = replace(
        s3_settings(auth_moto.server.endpoint, auth_moto.bucket),
        access_key=chosen.access_key,
        secret_key=Secret(chosen.secret_key),
    )
    storage = S3Storage(settings)
    with pytest.raises(StorageError) as caught:
        storage.put("a/b.jpg", b"jpeg")
    steps = storage.check()
    storage.close()
    assert (caught.value.code, caught.value.retryable) == (code, False)
    assert words in caught.value.message and caught.value.advice
    failed = steps[-1]
    assert not failed.ok and words in failed.detail and failed.advice


def test_wrong_keys_pause_uploads_and_lose_nothing(auth_moto: AuthMoto, data_dir: DataDir) -> None:
    log = EventLog()
    storage = replace(
        s3_settings(auth_moto.server.endpoint, auth_moto.bucket),
        access_key=auth_moto.good.access_key,
        secret_key=Secret("a-wrong-secret"),
    )
    settings = synthetic_settings(storage)
    with running_engine(data_dir, log) as engine:
        start_synthetic(engine)
        session = engine.start_session(settings, count=2)
        paused = log.wait_count(events.UPLOADS_PAUSED, 1, WAIT_S)[0]
        assert session.progress.wait_for(lambda p: p.capture_done, WAIT_S)
        assert not session.drain(WAIT_S), "a paused queue ends the drain at once"
        assert session.uploads.pause is not None
        engine.stop_session()

        assert paused["code"] == "SignatureDoesNotMatch"
        assert paused["reason"].startswith("the secret key does not match the access key")
        assert "Re-enter the secret key" in paused["advice"]
        pending = query(data_dir, "SELECT spool_path FROM shots WHERE upload_state = 'pending'")
        assert len(pending) == 2 and all(
            (data_dir.root / p["spool_path"]).is_file() for p in pending
        )

        fixed = replace(
            settings, storage=replace(storage, secret_key=Secret(auth_moto.good.secret_key))
        )
        session = engine.start_session(fixed, count=1)
        assert session.progress.wait_for(lambda p: p.capture_done, WAIT_S)
        assert session.drain(WAIT_S)
        engine.stop_session()

    shots = query(data_dir, "SELECT object_key, upload_state, notify_state FROM shots")
    assert len(shots) == 3
    assert {(s["upload_state"], s["notify_state"]) for s in shots} == {("uploaded", "delivered")}
    versions = versions_per_key(auth_moto.server.endpoint, auth_moto.bucket, auth_moto.good)
    assert {s["object_key"] for s in shots} <= set(versions)


# -- --check-storage -----------------------------------------------------------------------------


def test_check_storage_leaves_no_probe_behind(tmp_path: Path, bucket: StorageSettings) -> None:
    code, err = run_headless(
        [
            *("--check-storage", "--data-dir", str(tmp_path), "--s3-endpoint", bucket.endpoint),
            *("--bucket", bucket.bucket, "--region", "us-east-1"),
        ]
    )
    assert code == Exit.OK, err
    assert "ok   DeleteObject probe: deleted the probe" in err
    assert versions_per_key(bucket.endpoint, bucket.bucket) == {}


def test_check_storage_names_the_failing_step_and_the_fix(
    tmp_path: Path, moto: MotoServer, aws_env: None
) -> None:
    code, err = run_headless(
        [
            *("--check-storage", "--data-dir", str(tmp_path), "--s3-endpoint", moto.endpoint),
            *("--bucket", "no-such-bucket-here", "--region", "us-east-1"),
        ]
    )
    assert code == Exit.FAILED
    assert "FAIL HeadBucket: bucket no-such-bucket-here does not exist" in err
    assert "fix: Create the bucket, or fix the bucket name, endpoint or region." in err
    assert "PutObject probe" not in err, "the check stops at the first failure"
    assert err.rstrip().endswith("storage check failed")


# -- the spool and the data folder ---------------------------------------------------------------


def test_shot_whose_spool_file_vanished_is_notified_as_206(
    data_dir: DataDir, versioned: StorageSettings, proxy: TcpProxy
) -> None:
    log = EventLog()
    settings = synthetic_settings(replace(versioned, endpoint=proxy.endpoint))
    proxy.down()
    with running_engine(data_dir, log) as engine:
        start_synthetic(engine)
        session = engine.start_session(settings, count=1)
        log.wait_count(events.UPLOAD_FAILED, 1, WAIT_S)
        engine.stop_session()
        (spool_path,) = [r[0] for r in query(data_dir, "SELECT spool_path FROM shots")]
        (data_dir.root / spool_path).unlink()  # someone cleaned the spool folder

        proxy.up()
        session = engine.start_session(settings, count=1)
        assert session.progress.wait_for(lambda p: p.capture_done, WAIT_S)
        assert session.drain(WAIT_S)
        engine.stop_session()

    final = [f for f in log.named(events.UPLOAD_FAILED) if f.get("final")]
    assert len(final) == 1 and final[0]["code"] == "SpoolFileLost"
    lost = query(data_dir, "SELECT code, msg, upload_state, notify_state FROM shots WHERE id = 1")
    assert tuple(lost[0]) == (206, final[0]["error"], "lost", "delivered")
    assert "cannot be read" in final[0]["error"]
    received = [r for r in log.named(events.CALLBACK_RECEIVED) if r["shot_id"] == 1]
    assert [r["code"] for r in received] == [206]
    assert not session.succeeded, "a lost shot makes the session fail"


def test_second_engine_on_the_same_data_folder_is_refused(data_dir: DataDir) -> None:
    first = Engine(data_dir, EventLog())
    try:
        with pytest.raises(ShotHookError) as caught:
            Engine(data_dir, EventLog())
    finally:
        first.close()
    assert "another ShotHook (process" in str(caught.value)
    assert "another --data-dir" in caught.value.advice
    Engine(data_dir, EventLog()).close()  # free again once the first has closed
