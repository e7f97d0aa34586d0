"""Crash safety: a kill -9 loses nothing that was journaled, the next start says so and finishes
the work; an unexpected error in a worker is shown and logged, never swallowed."""

from __future__ import annotations

import io
import signal
from pathlib import Path

import pytest

from capture import events
from capture.cli import headless
from capture.cli.exits import Exit
from capture.cli.flags import parse_args
from capture.paths import DataDir
from capture.settings.model import StorageSettings
from capture.shooting.session import Session
from capture.storage.local import LocalStorage
from tests.support.engine import query, running_engine
from tests.support.events import EventLog
from tests.support.loopback import TcpProxy
from tests.support.processes import headless_process, json_lines
from tests.support.s3 import clean_aws_env, versions_per_key

WAIT_S = 60.0


def count_events(name: str, at_least: int) -> object:
    return lambda lines: sum(f'"event": "{name}"' in line for line in lines) >= at_least


def test_kill_9_with_storage_down_then_restart_uploads_and_notifies_every_shot(
    tmp_path: Path, versioned: StorageSettings, proxy: TcpProxy
) -> None:
    data = tmp_path / "data"
    args = [
        *("--source", "synthetic", "--interval", "1", "--data-dir", str(data)),
        *("--s3-endpoint", proxy.endpoint, "--bucket", versioned.bucket, "--region", "us-east-1"),
        *("--webhook-port", "0", "--events", "-"),
    ]
    proxy.down()
    with headless_process(args, clean_aws_env()) as first:
        first.out.wait_for(count_events(events.SHOT_CAPTURED, 3), WAIT_S, "3 shots")
        first.out.wait_for(count_events(events.UPLOAD_FAILED, 1), WAIT_S, "a failed upload")
        first.send_signal(signal.SIGKILL)
        assert first.wait(WAIT_S) == -signal.SIGKILL
    seen = [e["shot_id"] for e in json_lines(first.out.lines) if e["event"] == events.SHOT_CAPTURED]
    journaled = query(DataDir.resolve(data), "SELECT id, upload_state FROM shots ORDER BY id")
    assert seen and set(seen) <= {r["id"] for r in journaled}, "every reported shot was journaled"
    assert {r["upload_state"] for r in journaled} == {"pending"}

    proxy.up()
    with headless_process(
        [*args, "--count", "1", "--drain-timeout", "30"], clean_aws_env()
    ) as second:
        assert second.wait(WAIT_S) == 0, "".join(second.err.lines)
    second.err.join()
    got = json_lines(second.out.lines)

    warning = next(e for e in got if e["event"] == events.WARNING)
    assert warning["message"].startswith("session 1 (started")
    assert "did not stop cleanly" in warning["message"]
    assert warning["unfinished"] == len(journaled)
    started = next(e for e in got if e["event"] == events.SESSION_STARTED)
    assert started["resumed"] == len(journaled)
    assert f"resuming {len(journaled)} unfinished" in "".join(second.err.lines)

    shots = query(
        DataDir.resolve(data), "SELECT id, object_key, upload_state, notify_state FROM shots"
    )
    assert len(shots) == len(journaled) + 1
    assert {(s["upload_state"], s["notify_state"]) for s in shots} == {("uploaded", "delivered")}
    uploaded = [e["shot_id"] for e in got if e["event"] == events.UPLOAD_SUCCEEDED]
    assert sorted(uploaded) == [s["id"] for s in shots], "each shot uploaded once"
    notified = [e["shot_id"] for e in got if e["event"] == events.NOTIFY_SUCCEEDED]
    assert sorted(notified) == [s["id"] for s in shots], "each shot notified once"
    assert versions_per_key(versioned.endpoint, versioned.bucket) == {
        s["object_key"]: 1 for s in shots
    }
    stopped = query(DataDir.resolve(data), "SELECT stopped_at FROM sessions ORDER BY id")
    assert all(row["stopped_at"] for row in stopped)


def test_a_start_after_a_kill_trims_the_kept_images_to_the_bound(tmp_path: Path) -> None:
    data = tmp_path / "data"
    args = [
        *("--source", "synthetic", "--interval", "1", "--users", "4", "--data-dir", str(data)),
        *("--storage-dir", str(tmp_path / "storage"), "--spool-keep-mb", "1000"),
        *("--webhook-port", "0", "--events", "-"),
    ]
    with headless_process(args) as first:
        first.out.wait_for(count_events(events.UPLOAD_SUCCEEDED, 8), WAIT_S, "8 uploads")
        first.send_signal(signal.SIGKILL)
        assert first.wait(WAIT_S) == -signal.SIGKILL
    data_dir = DataDir.resolve(data)
    sql = "SELECT id, spool_path, size, upload_state FROM shots ORDER BY id"
    before = [dict(row) for row in query(data_dir, sql)]
    uploaded = [r for r in before if r["upload_state"] == "uploaded"]
    assert len(uploaded) >= 8 and all((data / r["spool_path"]).is_file() for r in uploaded)
    newest = uploaded[-3:]

    # The next start, with a bound the newest three fill: the older ones go at once.
    with running_engine(data_dir, EventLog(), spool_keep_bytes=sum(r["size"] for r in newest)):
        after = {row["id"]: dict(row) for row in query(data_dir, sql)}
    for row in uploaded[:-3]:
        assert after[row["id"]]["spool_path"] is None
        assert not (data / row["spool_path"]).exists()
    for row in newest:
        assert after[row["id"]] == row and (data / row["spool_path"]).is_file()
    for row in before:  # shots still waiting to upload are never trimmed
        if row["upload_state"] != "uploaded":
            assert after[row["id"]] == row
            assert row["spool_path"] is None or (data / row["spool_path"]).is_file()


# -- unexpected errors -----------------------------------------------------------------------------


def run_headless(tmp_path: Path) -> tuple[int, str, str]:
    data = tmp_path / "data"
    err = io.StringIO()
    args = parse_args(
        [
            *("--headless", "--source", "synthetic", "--interval", "1", "--count", "1"),
            *("--data-dir", str(data), "--webhook-port", "0"),
        ]
    )
    code = headless.run(args, stderr=err)
    return code, err.getvalue(), DataDir.resolve(data).log.read_text(encoding="utf-8")


def test_exception_in_a_worker_thread_reaches_stderr_and_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def take(self: Session, tick: int, due: float | None = None) -> None:
        raise RuntimeError("injected fault in the capture loop")

    monkeypatch.setattr(Session, "take", take)
    code, err, log = run_headless(tmp_path)

    assert code == Exit.FAILED
    shown = "unexpected error in thread shots: RuntimeError: injected fault in the capture loop"
    assert shown in err and shown in log
    for text in (err, log):
        assert "Traceback (most recent call last)" in text and "def take" not in text
        assert 'in take\n    raise RuntimeError("injected fault' in text
    assert "1 unexpected error(s); see" in err


def test_unexpected_error_in_an_upload_is_reported_and_the_shot_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_put = LocalStorage.put
    calls: list[str] = []

    def put_failing_once(self: LocalStorage, key: str, data: bytes) -> str:
        calls.append(key)
        if len(calls) == 1:
            raise KeyError("injected bug")
        return real_put(self, key, data)

    monkeypatch.setattr(LocalStorage, "put", put_failing_once)
    code, err, log = run_headless(tmp_path)

    assert code == Exit.FAILED, "an unexpected error fails the run even if it recovered"
    assert "unexpected error in uploading shot 1: KeyError: 'injected bug'" in err
    assert "KeyError: 'injected bug'" in log
    assert len(calls) == 2 and calls[0] == calls[1], "the same shot was tried again"
    rows = query(DataDir.resolve(tmp_path / "data"), "SELECT upload_state, notify_state FROM shots")
    assert [tuple(r) for r in rows] == [("uploaded", "delivered")]
