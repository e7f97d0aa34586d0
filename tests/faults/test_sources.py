"""A network camera that drops out, comes back, or freezes, read through OpenCV's FFmpeg backend
(MJPEG over HTTP, multipart/x-mixed-replace, served by the test): the source reconnects on its
own, and every interval without a frame is notified with code 206 saying why."""

from __future__ import annotations

from typing import Any

from capture import events
from capture.engine import Engine
from capture.paths import DataDir
from capture.settings.model import CaptureSettings, Settings, StorageSettings
from capture.shooting.session import NO_NEW_FRAME
from capture.sources import StreamSource, make_source
from capture.sources.runner import SourceState
from tests.support.camera import MjpegServer
from tests.support.engine import query, running_engine, ticks
from tests.support.events import EventLog
from tests.support.s3 import versions_per_key

WAIT_S = 20.0
TIMEOUT_MS = 1000  # the stream's open and read timeouts, short to keep the test quick


def start_capture(engine: Engine, camera: MjpegServer) -> None:
    source = StreamSource(camera.url, open_timeout_ms=TIMEOUT_MS, read_timeout_ms=TIMEOUT_MS)
    source.open()
    engine.use_source(source, already_open=True)
    engine.start_webhook("127.0.0.1", 0)
    engine.start_session(Settings(capture=CaptureSettings(source=camera.url, interval=1)))


def states_after(log: EventLog, mark: int) -> list[dict[str, Any]]:
    return log.since(mark, events.SOURCE_STATE)


def received_206(log: EventLog) -> dict[int, dict[str, Any]]:
    return {f["shot_id"]: f for f in log.named(events.CALLBACK_RECEIVED) if f["code"] == 206}


def test_opencv_reads_mjpeg_over_http_from_the_test_server() -> None:
    with MjpegServer() as camera:
        source = make_source(camera.url)
        assert isinstance(source, StreamSource)
        source.open()
        try:
            frames = [source.read() for _ in range(3)]
        finally:
            source.close()
    assert all(f is not None and f.shape == (120, 160, 3) for f in frames)


def test_stream_stopped_and_restarted_mid_run(data_dir: DataDir) -> None:
    log = EventLog()
    with MjpegServer() as camera, running_engine(data_dir, log) as engine:
        start_capture(engine, camera)
        log.wait_count(events.NOTIFY_SUCCEEDED, 2, WAIT_S)

        lost_at = log.mark()
        camera.stop()
        log.wait_until(
            lambda: any(s["state"] == "reconnecting" for s in states_after(log, lost_at)),
            WAIT_S,
            "the source to go to reconnecting",
        )
        missed = log.wait_count(events.TICK_MISSED, 1, WAIT_S, after=lost_at)
        log.wait_until(
            lambda: {m["shot_id"] for m in missed} <= set(received_206(log)),
            WAIT_S,
            "the webhook to receive the 206 notifications",
        )
        assert engine.source_state()[0] is SourceState.RECONNECTING

        back_at = log.mark()
        camera.start()  # same port, as a camera that was power-cycled
        log.wait_until(
            lambda: any(s["state"] == "live" for s in states_after(log, back_at)),
            WAIT_S,
            "the source to be live again",
        )
        resumed = log.wait_count(events.SHOT_CAPTURED, 1, WAIT_S, after=back_at)
        log.wait_count(events.NOTIFY_SUCCEEDED, 1, WAIT_S, after=back_at)
        engine.stop_session()

    # Every interval is accounted for: a shot, or a 206 saying why there was none.
    accounted = ticks(log)
    assert accounted == list(range(accounted[-1] + 1))
    for m in missed:
        assert m["reason"].startswith("No screenshot:")
        assert "reconnecting" in m["reason"] and camera.url in m["reason"]
        got = received_206(log)[m["shot_id"]]
        assert got["checksum_ok"] is True
    # The reconnect attempts while the camera was down back off, and say why it was lost.
    down = states_after(log, lost_at)[
        : len(states_after(log, lost_at)) - len(states_after(log, back_at))
    ]
    lost = [s for s in down if s["state"] == "reconnecting"]
    assert "stopped sending" in lost[0]["reason"] or "no new frame" in lost[0]["reason"]
    waits = [s["retry_in"] for s in lost[1:]]
    assert waits == sorted(waits) and len(set(waits)) >= 2, lost
    assert all("cannot open" in s["reason"] for s in lost[1:])
    # The stream really came back: shots of frames newer than any before the drop.
    before = [s["frame"] for s in log.named(events.SHOT_CAPTURED) if s not in resumed]
    assert min(s["frame"] for s in resumed) > max(before)
    rows = query(data_dir, "SELECT code, msg, notify_state FROM shots WHERE code = 206")
    assert len(rows) >= len(missed)
    assert all(r["notify_state"] == "delivered" and "reconnecting" in r["msg"] for r in rows)


def test_frozen_stream_counts_as_lost(data_dir: DataDir) -> None:
    """A camera that keeps the connection open but sends nothing more: the read times out, the
    source is lost and reopened, and the frozen intervals are notified as 206."""
    log = EventLog()
    with MjpegServer() as camera, running_engine(data_dir, log) as engine:
        start_capture(engine, camera)
        log.wait_count(events.SHOT_CAPTURED, 1, WAIT_S)

        frozen_at = log.mark()
        camera.frozen.set()
        missed = log.wait_count(events.TICK_MISSED, 2, WAIT_S, after=frozen_at)

        thawed_at = log.mark()
        camera.frozen.clear()
        log.wait_count(events.NOTIFY_SUCCEEDED, 1, WAIT_S, after=thawed_at)
        engine.stop_session()

    lost = [s for s in states_after(log, frozen_at) if s["state"] == "reconnecting"]
    assert lost and lost[0]["reason"].startswith("no new frame for")
    assert all(m["reason"].startswith("No screenshot:") for m in missed)
    accounted = ticks(log)
    assert accounted == list(range(accounted[-1] + 1))


def test_a_camera_slower_than_the_interval_never_shoots_a_frame_twice(
    data_dir: DataDir, versioned: StorageSettings
) -> None:
    """0.5 fps at --interval 1 --count 6: each frame is shot once, under a key of its own (the
    versioned bucket would keep a second version of a key written twice), and the intervals
    without a new frame are notified as 206 saying so."""
    log = EventLog()
    with MjpegServer(fps=0.5) as camera, running_engine(data_dir, log) as engine:
        source = StreamSource(camera.url)
        source.open()
        engine.use_source(source, already_open=True)
        assert engine.slot.wait_newer(-1, WAIT_S) is not None
        engine.start_webhook("127.0.0.1", 0)
        settings = Settings(
            capture=CaptureSettings(source=camera.url, interval=1), storage=versioned
        )
        session = engine.start_session(settings, count=6)
        assert session.progress.wait_for(lambda p: p.capture_done, WAIT_S)
        assert session.drain(WAIT_S), session.progress.summary()
        engine.stop_session()

    assert ticks(log) == list(range(6))
    shots = log.named(events.SHOT_CAPTURED)
    keys = [s["object"] for s in shots]
    assert 2 <= len(keys) <= 4, keys  # about one frame every other interval
    assert len(set(keys)) == len(keys)
    assert len({s["frame"] for s in shots}) == len(shots)
    assert versions_per_key(versioned.endpoint, versioned.bucket) == dict.fromkeys(keys, 1)
    rows = query(data_dir, "SELECT object_key, code, msg, upload_state, notify_state FROM shots")
    stored = [r["object_key"] for r in rows if r["code"] == 200]
    assert sorted(stored) == sorted(keys)
    assert all(r["upload_state"] == "uploaded" for r in rows if r["code"] == 200)
    missed = [r for r in rows if r["code"] == 206]
    assert len(missed) == 6 - len(keys)
    for row in missed:
        assert row["msg"].startswith(f"No screenshot: {NO_NEW_FRAME} (the newest, from stream")
    assert all(r["notify_state"] == "delivered" for r in rows)
    callbacks = log.named(events.CALLBACK_RECEIVED)
    assert sorted(c["code"] for c in callbacks) == sorted(r["code"] for r in rows)
