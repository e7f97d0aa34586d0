"""A shot needs a frame newer than its publisher's previous shot (the key's `<utc>` is the
frame's instant, so a frame shot twice would give two shots one key); otherwise the interval is
a 206 saying so. Mostly Session.take on a FrameSlot the test advances by hand; then a real
timelapse file."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from capture import events
from capture.engine import Engine
from capture.paths import DataDir
from capture.runtime import spawn_thread
from capture.settings.model import CaptureSettings, Settings
from capture.shooting.session import NO_NEW_FRAME, Session
from capture.sources import make_source
from capture.sources.frames import Frame, FrameSlot
from capture.sources.runner import SourceState
from capture.storage import make_storage
from tests.support.engine import query
from tests.support.events import EventLog
from tests.support.media import make_video

DRAIN_S = 15.0


class Manual:
    """A session whose capture loop takes nothing (count 0): the test calls `take` itself."""

    def __init__(self, engine: Engine, slot: FrameSlot, users: int) -> None:
        settings = Settings(capture=CaptureSettings(interval=1, users=users))
        self.slot = slot
        self.state = SourceState.LIVE
        self.session = Session(
            settings,
            callback_url=engine.callback_url(settings),
            journal=engine.journal,
            slot=slot,
            source_label="test camera",
            source_state=lambda: (self.state, ""),
            storage=make_storage(settings.storage, engine.data_dir.storage),
            spool=engine.spool,
            sink=engine.sink,
            spawn=spawn_thread,
            count=0,
            upload_workers=1,
        )
        self._index = 0

    def publish(self, age: float = 0.0) -> Frame:
        """A new frame that arrived `age` seconds ago."""
        frame = Frame(
            np.full((90, 160, 3), self._index % 255, np.uint8),
            self._index,
            time.monotonic() - age,
            datetime.now(UTC) - timedelta(seconds=age),
        )
        self._index += 1
        self.slot.publish(frame)
        return frame


@pytest.fixture
def manual(engine: Engine) -> Iterator[Manual]:
    engine.start_webhook(port=0)
    manual = Manual(engine, FrameSlot(), users=2)
    manual.session.start()
    try:
        yield manual
    finally:
        assert manual.session.drain(DRAIN_S), manual.session.progress.summary()
        assert manual.session.stop() == []


def test_a_frame_is_shot_once_then_each_interval_is_a_206_until_a_new_one(
    manual: Manual, event_log: EventLog, data_dir: DataDir
) -> None:
    manual.publish()
    for tick in range(3):  # the slot does not advance
        manual.session.take(tick)
    manual.publish()
    manual.session.take(3)
    assert manual.session.drain(DRAIN_S)

    shots = event_log.named(events.SHOT_CAPTURED)
    assert sorted((s["tick"], s["uid"]) for s in shots) == [
        (0, 1001),
        (0, 1002),
        (3, 1001),
        (3, 1002),
    ]
    keys = [s["object"] for s in shots]
    assert len(set(keys)) == len(keys) == 4
    missed = event_log.named(events.TICK_MISSED)
    assert sorted((m["tick"], m["uid"]) for m in missed) == [
        (1, 1001),
        (1, 1002),
        (2, 1001),
        (2, 1002),
    ]
    for m in missed:
        assert m["reason"].startswith(
            f"No screenshot: {NO_NEW_FRAME} (the newest, from test camera"
        )
    stored = sorted(str(p.relative_to(data_dir.storage)) for p in data_dir.storage.rglob("*.jpg"))
    assert stored == sorted(keys)
    rows = query(data_dir, "SELECT code, msg, notify_state FROM shots ORDER BY id")
    assert sorted(r["code"] for r in rows) == [200] * 4 + [206] * 4
    assert all(r["notify_state"] == "delivered" for r in rows)
    assert all(NO_NEW_FRAME in r["msg"] for r in rows if r["code"] == 206)


def test_a_file_frame_held_for_seconds_is_shot_once_not_refused_as_stale(
    manual: Manual, event_log: EventLog
) -> None:
    """A timelapse file: its frame arrived 8 s ago and the runner reports it live (a file's
    frame is current until its next is due). It is new to the session, so it is shot; the
    next interval with the same frame is a 206 for having no new frame, not for being stale."""
    manual.publish(age=8.0)
    manual.session.take(0)
    manual.session.take(1)
    assert [s["tick"] for s in event_log.named(events.SHOT_CAPTURED)] == [0, 0]
    reasons = [m["reason"] for m in event_log.named(events.TICK_MISSED)]
    assert len(reasons) == 2
    assert all(NO_NEW_FRAME in r and "8." in r for r in reasons), reasons


def test_a_stale_camera_says_so_once_its_newest_frame_was_shot(
    manual: Manual, event_log: EventLog
) -> None:
    """A camera's frame is stale to the runner past 2 s: a frame never shot is refused as stale
    (as before); a frame already shot says there is no new frame since the last shot."""
    manual.publish(age=3.0)
    manual.state = SourceState.STALE
    manual.session.take(0)
    manual.state = SourceState.LIVE
    manual.session.take(1)  # the same frame, now called live: still one shot
    manual.state = SourceState.STALE
    manual.session.take(2)
    assert [s["tick"] for s in event_log.named(events.SHOT_CAPTURED)] == [1, 1]
    reasons = {m["tick"]: m["reason"] for m in event_log.named(events.TICK_MISSED)}
    assert reasons[0].startswith("No screenshot: no frame for 3.0 s: test camera is stale")
    assert reasons[2].startswith(f"No screenshot: {NO_NEW_FRAME}")


def test_a_new_frame_in_the_same_millisecond_as_the_last_shot_is_not_shot(
    manual: Manual, event_log: EventLog
) -> None:
    """Keys hold the instant to the millisecond: a frame arriving within the same one would
    repeat the previous key."""
    first = manual.publish()
    manual.session.take(0)
    manual.slot.publish(Frame(first.image, 99, first.mono + 0.0001, first.wall))
    manual.session.take(1)
    assert [s["tick"] for s in event_log.named(events.SHOT_CAPTURED)] == [0, 0]
    assert {m["tick"] for m in event_log.named(events.TICK_MISSED)} == {1}


def test_a_timelapse_files_frame_is_shot_once_however_old(
    engine: Engine, event_log: EventLog, data_dir: DataDir, tmp_path: Path
) -> None:
    """A real file, one frame every 8 s: its frame, over 5 s old when the session starts, is
    shot (a file is paced by its own clock, not stale); the next interval, with the same frame,
    is a 206 for having no new frame, and the one frame gave one stored object."""
    path = make_video(tmp_path / "timelapse.mp4", fps=0.125, frames=2, codec="libx264")
    engine.use_source(make_source(str(path)))
    first = engine.slot.wait_newer(-1, DRAIN_S)
    assert first is not None
    assert engine.slot.wait_newer(first.index, 5.2) is None  # the frame is now 5.2 s old
    engine.start_webhook(port=0)
    session = engine.start_session(
        Settings(capture=CaptureSettings(source=str(path), interval=1)), count=2
    )
    assert session.progress.wait_for(lambda p: p.capture_done, DRAIN_S)
    assert session.drain(DRAIN_S)
    engine.stop_session()
    [shot] = event_log.named(events.SHOT_CAPTURED)
    assert (shot["tick"], shot["frame"]) == (0, first.index)
    [missed] = event_log.named(events.TICK_MISSED)
    assert missed["tick"] == 1
    assert missed["reason"].startswith(f"No screenshot: {NO_NEW_FRAME} (the newest, from video")
    stored = [p.relative_to(data_dir.storage).as_posix() for p in data_dir.storage.rglob("*.jpg")]
    assert stored == [shot["object"]]
