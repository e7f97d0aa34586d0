"""A full data disk, on small tmpfs mounts: capture carries on through it (each interval the
spool refuses is a 206 "disk full" while the journal can record it, and only counted while it
cannot), one warning says so, capture resumes by itself when space returns, and a start on a
full disk is refused in one line naming the folder. A spool folder deleted mid-run is made
again."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from capture import events
from capture.engine import DataDirFull, Engine
from capture.paths import DataDir
from capture.settings.model import StorageKind, StorageSettings
from tests.support.engine import (
    collecting_unexpected,
    query,
    running_engine,
    start_synthetic,
    synthetic_settings,
    ticks,
)
from tests.support.events import EventLog
from tests.support.mounts import fill, tmpfs
from tests.support.processes import ROOT, headless_process, json_lines
from tests.support.waits import WAIT_S


def local(folder: Path) -> StorageSettings:
    return StorageSettings(kind=StorageKind.LOCAL, directory=str(folder))


def disk_full_206s(log: EventLog, after: int) -> list[dict[str, Any]]:
    """The "disk full" 206s since `after` that the webhook has received."""
    received = {
        c["shot_id"]: c for c in log.since(after, events.CALLBACK_RECEIVED) if c["code"] == 206
    }
    missed = log.since(after, events.TICK_MISSED)
    return [received[m["shot_id"]] for m in missed if m["shot_id"] in received]


def shot_after(engine: Engine, log: EventLog, mark: int) -> dict[str, Any]:
    """The first shot taken after `mark`, once it has been notified (code 200)."""
    [shot] = log.wait_count(events.SHOT_CAPTURED, 1, WAIT_S, after=mark)[:1]
    log.wait_until(
        lambda: any(n["shot_id"] == shot["shot_id"] for n in log.named(events.NOTIFY_SUCCEEDED)),
        WAIT_S,
        f"shot {shot['shot_id']} to be notified",
    )
    return shot


def test_a_full_spool_disk_gives_a_206_per_interval_then_capture_resumes(
    data_dir: DataDir, tmp_path: Path
) -> None:
    """The spool alone on a full file system (the journal has room): every interval is
    journaled and notified as 206 saying "disk full", under one warning; the next interval
    after space returns is a shot again."""
    log = EventLog()
    with (
        tmpfs(data_dir.spool, "1m") as spool,
        collecting_unexpected() as unexpected,
        running_engine(data_dir, log) as engine,
    ):
        start_synthetic(engine)
        engine.start_session(synthetic_settings(local(tmp_path / "store")))
        first = shot_after(engine, log, 0)["shot_id"]

        full_at = log.mark()
        filler = fill(spool)
        log.wait_until(lambda: len(disk_full_206s(log, full_at)) >= 2, WAIT_S, "two 206s")
        filler.unlink()
        back_at = log.mark()
        resumed = shot_after(engine, log, back_at)
        engine.stop_session()

    assert unexpected.errors == []
    warnings = log.since(full_at, events.SPOOL_WARNING)
    assert len(warnings) == 1, warnings
    assert warnings[0]["message"].startswith(
        f"disk full: no room for the shot in the spool at {spool}"
    )
    missed = log.since(full_at, events.TICK_MISSED)
    assert all(m["reason"].startswith("No screenshot: disk full:") for m in missed), missed
    rows = query(data_dir, "SELECT msg, notify_state FROM shots WHERE code = 206 AND id > ?", first)
    assert len(rows) == len(missed) >= 2
    for row in rows:
        assert row["msg"].startswith("No screenshot: disk full:"), row["msg"]
        assert row["notify_state"] == "delivered"
    assert all(c["checksum_ok"] for c in disk_full_206s(log, full_at))
    assert (tmp_path / "store" / resumed["object"]).is_file()
    accounted = ticks(log)
    assert accounted == list(range(accounted[-1] + 1))  # every interval: a shot or a 206


def test_a_deleted_spool_folder_is_made_again(data_dir: DataDir, tmp_path: Path) -> None:
    log = EventLog()
    with collecting_unexpected() as unexpected, running_engine(data_dir, log) as engine:
        start_synthetic(engine)
        engine.start_session(synthetic_settings(local(tmp_path / "store")))
        shot_after(engine, log, 0)
        deleted_at = log.mark()
        shutil.rmtree(data_dir.spool)
        resumed = shot_after(engine, log, deleted_at)
        engine.stop_session()
    assert unexpected.errors == []
    assert data_dir.spool.is_dir()
    assert log.since(deleted_at, events.TICK_MISSED) == []
    assert (tmp_path / "store" / resumed["object"]).is_file()


def named(lines: list[str], name: str) -> list[dict[str, Any]]:
    return [e for e in json_lines(lines) if e["event"] == name]


def notified_shot(lines: list[str]) -> bool:
    """Whether a shot (code 200) among `lines` was taken and notified."""
    shots = {e["shot_id"] for e in named(lines, "shot_captured")}
    return any(e["shot_id"] in shots for e in named(lines, "notify_succeeded"))


def test_a_full_data_disk_stops_no_thread_and_capture_resumes_when_space_returns(
    tmp_path: Path,
) -> None:
    """The whole data folder (spool, journal, log) on a file system that fills up mid-run: one
    warning, no traceback, the intervals counted; freed, the shots resume by themselves."""
    with tmpfs(tmp_path / "disk", "8m") as disk:
        args = ["--data-dir", str(disk / "data"), "--webhook-port", "0", "--events", "-"]
        args += ["--source", "synthetic", "--interval", "1"]
        args += ["--storage-dir", str(tmp_path / "store")]
        with headless_process(args) as process:
            out = process.out
            # Filled once a round is wholly journaled (its thumbnail comes last), so the next
            # write is the next interval's.
            out.wait_for(lambda lines: named(lines, "thumbnail_ready"), WAIT_S, "a round")
            filler = fill(disk)
            out.wait_for(lambda lines: named(lines, "spool_warning"), WAIT_S, "the warning")
            filler.unlink()
            back_at = len(out.lines)
            out.wait_for(lambda lines: notified_shot(lines[back_at:]), WAIT_S, "a new shot")
            process.send_signal(signal.SIGTERM)
            status = process.wait(WAIT_S)
        stderr = process.err.join()
        lines = out.lines
    assert "Traceback" not in stderr, stderr
    [warning] = named(lines, "spool_warning")
    assert warning["message"].startswith("disk full:"), warning
    [stopped] = named(lines, "session_stopped")
    assert stopped["missed"] >= 1  # the intervals it could not even journal are counted
    assert stopped["notify_failed"] == 0 and stopped["pending_uploads"] == 0
    assert stopped["uploaded"] == stopped["shots"] >= 2
    assert status == 1  # intervals without a shot fail the run


def test_a_start_on_a_full_disk_exits_2_naming_the_folder(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "2m") as disk:
        data = disk / "data"
        data.mkdir()
        fill(disk)
        done = subprocess.run(
            [
                *(sys.executable, "main.py", "--headless", "--data-dir", str(data)),
                *("--webhook-port", "0", "--source", "synthetic", "--count", "1"),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith(f"shothook: the data folder {data} is on a full disk (")
    assert line.endswith("choose another data folder (--data-dir).")


def test_a_session_start_on_a_disk_that_filled_meanwhile_is_refused(
    tmp_path: Path, event_log: EventLog
) -> None:
    """The window stays open for days: Start on a disk that filled since is a user error
    naming the folder, not a crash on the first journal write."""
    with tmpfs(tmp_path / "disk", "2m") as disk:
        data_dir = DataDir.resolve(disk / "data").create()
        with running_engine(data_dir, event_log) as engine:
            engine.start_webhook("127.0.0.1", 0)
            filler = fill(disk)
            with pytest.raises(DataDirFull) as refused:
                engine.start_session(synthetic_settings(local(tmp_path / "store")))
            filler.unlink()
    assert str(data_dir.root) in str(refused.value)
    assert engine.session is None
