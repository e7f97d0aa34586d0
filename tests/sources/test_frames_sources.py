"""Frames, the newest-only slot, the test pattern, `--source` parsing, video files, cameras and
the loop that feeds the slot."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from capture import events
from capture.errors import ConfigError, SourceError
from capture.runtime import ThreadWorker
from capture.sources import (
    CameraSource,
    FileSource,
    StreamSource,
    SyntheticSource,
    make_source,
)
from capture.sources.frames import Frame, FrameSlot
from capture.sources.runner import SourceRunner, SourceState
from tests.support.events import EventLog

WAIT_S = 10.0


def frame(index: int, value: int = 0) -> Frame:
    image = np.full((4, 6, 3), value, np.uint8)
    return Frame(image, index, time.monotonic(), datetime.now(UTC))


# -- FrameSlot ---------------------------------------------------------------------------------


def test_slot_keeps_only_the_newest_frame() -> None:
    slot = FrameSlot()
    assert slot.latest() is None
    for i in range(5):
        slot.publish(frame(i, value=i))
    newest = slot.latest()
    assert newest is not None
    assert newest.index == 4
    assert int(newest.image[0, 0, 0]) == 4
    assert slot.published == 5
    assert (newest.width, newest.height) == (6, 4)


def test_published_images_are_read_only() -> None:
    slot = FrameSlot()
    slot.publish(frame(0))
    newest = slot.latest()
    assert newest is not None
    with pytest.raises(ValueError):
        newest.image[0, 0, 0] = 1


def test_wait_newer_returns_at_once_when_a_newer_frame_is_there() -> None:
    slot = FrameSlot()
    slot.publish(frame(3))
    got = slot.wait_newer(2, timeout=WAIT_S)
    assert got is not None
    assert got.index == 3


def test_wait_newer_times_out_with_none_when_nothing_new_comes() -> None:
    slot = FrameSlot()
    slot.publish(frame(3))
    assert slot.wait_newer(3, timeout=0.05) is None


def test_wait_newer_wakes_when_another_thread_publishes() -> None:
    slot = FrameSlot()
    waiting = threading.Event()
    result: list[Frame | None] = []

    def reader() -> None:
        waiting.set()
        result.append(slot.wait_newer(-1, timeout=WAIT_S))

    thread = threading.Thread(target=reader)
    thread.start()
    waiting.wait(WAIT_S)
    slot.publish(frame(0))
    thread.join(WAIT_S)
    assert result and result[0] is not None and result[0].index == 0


def test_clear_empties_the_slot() -> None:
    slot = FrameSlot()
    slot.publish(frame(0))
    slot.clear()
    assert slot.latest() is None
    assert slot.fps() == 0.0


# -- the test pattern --------------------------------------------------------------------------


def test_pattern_is_1280x720_bgr_by_default() -> None:
    source = SyntheticSource()
    source.open()
    image = source.read()
    source.close()
    assert image is not None
    assert image.shape == (720, 1280, 3)
    assert image.dtype == np.uint8
    assert "1280x720" in source.label
    assert source.live


def test_pattern_content_moves_from_frame_to_frame() -> None:
    source = SyntheticSource(320, 180)
    source.open()
    images = [image for _ in range(3) if (image := source.read()) is not None]
    assert len(images) == 3
    assert not np.array_equal(images[0], images[1])
    assert not np.array_equal(images[1], images[2])


def test_pattern_burns_in_the_clock() -> None:
    source = SyntheticSource(640, 360)
    instant = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    same = source.render(10, instant)
    assert np.array_equal(same, source.render(10, instant))  # deterministic for one instant
    later = source.render(10, instant + timedelta(seconds=1))
    changed = np.argwhere(np.any(same != later, axis=2))
    assert changed.size, "a different time must draw a different picture"
    # Only the clock line changed: all differences sit in the upper text band.
    assert changed[:, 0].max() < 360 * 160 // 720


class FakeTime:
    """Stands in for the `time` module inside the pattern: sleeping advances the clock."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_pattern_is_paced_one_frame_per_period(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeTime()
    monkeypatch.setattr("capture.sources.frames.time", fake)
    source = SyntheticSource(64, 36, fps=25.0)
    source.open()
    returned = []
    for _ in range(50):
        source.read()
        returned.append(fake.now)
    gaps = np.diff(returned)
    assert gaps == pytest.approx(np.full(49, 0.04))


def test_pattern_that_fell_behind_gives_one_frame_now_not_a_burst(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeTime()
    monkeypatch.setattr("capture.sources.frames.time", fake)
    source = SyntheticSource(64, 36, fps=10.0)
    source.open()
    source.read()
    fake.now += 1.0  # the reader was away for ten periods
    overdue_at = fake.now
    source.read()
    assert fake.now == overdue_at  # the overdue frame comes at once
    returned = []
    for _ in range(3):
        source.read()
        returned.append(fake.now)
    # ... and then one period per frame again: no catching up on the ten it missed.
    assert np.diff([overdue_at, *returned]) == pytest.approx([0.1, 0.1, 0.1])


def test_pattern_in_real_time_never_runs_ahead_of_its_frame_rate() -> None:
    source = SyntheticSource(64, 36, fps=30.0)
    source.open()
    frames = 15
    started = time.monotonic()
    for _ in range(frames):
        source.read()
    elapsed = time.monotonic() - started
    # The first frame is due at once; the others at least a period apart (a slow machine only
    # makes this longer; no upper bound is asserted).
    assert elapsed >= (frames - 1) / 30.0 * 0.95


# -- --source parsing --------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["synthetic", "test", "pattern", "Synthetic", " PATTERN "])
def test_pattern_names(spec: str) -> None:
    assert isinstance(make_source(spec), SyntheticSource)


@pytest.mark.parametrize(("spec", "index"), [("0", 0), ("3", 3), ("12", 12)])
def test_digits_mean_a_camera(spec: str, index: int) -> None:
    source = make_source(spec)
    assert isinstance(source, CameraSource)
    assert source.index == index
    assert source.label == f"camera {index}"


@pytest.mark.parametrize(
    "url",
    [
        "rtsp://cam.local/stream",
        "RTSP://cam.local/s",
        "rtsps://x/y",
        "rtmp://x/live",
        "http://x/v.mjpg",
        "https://x/v.m3u8",
        "udp://@:1234",
        "tcp://x:1",
    ],
)
def test_stream_urls(url: str) -> None:
    source = make_source(url)
    assert isinstance(source, StreamSource)
    assert source.url == url


def test_existing_file_means_a_video_file(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    path.write_bytes(b"not opened yet")
    source = make_source(str(path))
    assert isinstance(source, FileSource)
    assert source.label == "video file clip.avi"
    assert not source.live


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("/no/such/video.mp4", "no such file"),
        ("", "'synthetic', a camera index"),
        ("   ", "'synthetic', a camera index"),
        ("ftp://host/video.mp4", "unknown URL scheme"),
    ],
)
def test_bad_source_is_a_config_error_naming_source(spec: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        make_source(spec)
    assert info.value.field == "source"
    assert str(info.value).startswith("source: ")
    assert words in str(info.value)


def test_a_folder_is_not_a_video_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^source: .*no such file"):
        make_source(str(tmp_path))


# -- video files and cameras -------------------------------------------------------------------


def write_video(path: Path, levels: list[int], fps: float = 200.0) -> None:
    """A small MJPG .avi whose frame k is a flat grey of `levels[k]`."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (64, 48))
    assert writer.isOpened(), "OpenCV cannot write MJPG .avi here"
    for level in levels:
        writer.write(np.full((48, 64, 3), level, np.uint8))
    writer.release()


def test_video_file_plays_its_frames_and_loops(tmp_path: Path) -> None:
    levels = [20, 60, 100, 140, 180]
    path = tmp_path / "clip.avi"
    write_video(path, levels)
    source = make_source(str(path))
    source.open()
    try:
        assert source.nominal_fps == pytest.approx(200.0)
        seen = []
        for _ in range(len(levels) * 2 + 1):
            image = source.read()
            assert image is not None
            assert image.shape == (48, 64, 3)
            seen.append(round(float(image.mean()) / 40) * 40 + 20)
    finally:
        source.close()
    assert seen == levels + levels + levels[:1]


def test_video_file_deleted_before_open_is_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "gone.avi"
    write_video(path, [50])
    source = make_source(str(path))
    path.unlink()
    with pytest.raises(SourceError, match=r"gone\.avi"):
        source.open()


def test_file_that_is_not_a_video_is_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.avi"
    path.write_text("this is not a video")
    source = make_source(str(path))
    with pytest.raises(SourceError, match=r"cannot open video file notes\.avi"):
        source.open()


def _missing_camera_index() -> int:
    index = 99
    while os.path.exists(f"/dev/video{index}"):
        index += 1
    return index


def test_camera_that_does_not_exist_is_a_source_error_naming_it() -> None:
    index = _missing_camera_index()
    source = CameraSource(index)
    with pytest.raises(SourceError) as info:
        source.open()
    assert f"camera {index}" in str(info.value)
    assert source.read() is None  # nothing open: nothing to read


# -- the loop that feeds the slot --------------------------------------------------------------


def test_runner_publishes_frames_and_stops_when_asked() -> None:
    slot = FrameSlot()
    log = EventLog()
    runner = SourceRunner(SyntheticSource(160, 90), slot, log)
    worker = ThreadWorker("source", runner)
    worker.start()
    try:
        first = slot.wait_newer(-1, WAIT_S)
        assert first is not None
        third = None
        while third is None or third.index < 3:
            third = slot.wait_newer(third.index if third else first.index, WAIT_S)
            assert third is not None, "the runner stopped publishing"
        assert runner.state() == (SourceState.LIVE, "")
    finally:
        worker.request_stop()
        assert worker.join(WAIT_S), "the runner did not stop when asked"
    assert runner.state()[0] is SourceState.NO_SOURCE
    states = [e["state"] for e in log.named(events.SOURCE_STATE)]
    assert states == ["live", "no source"]
    newest = slot.latest()
    assert newest is not None
    assert newest.image.shape == (90, 160, 3)
    assert slot.published == newest.index + 1


def test_frame_age_is_measured_on_the_monotonic_clock() -> None:
    before = time.monotonic()
    f = Frame(np.zeros((1, 1, 3), np.uint8), 0, before - 2.5, datetime.now(UTC))
    age = f.age()
    assert 2.5 <= age <= 2.5 + (time.monotonic() - before)
