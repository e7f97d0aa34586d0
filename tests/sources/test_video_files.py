"""Video files played by their own clock: real files made by ffmpeg, timelapses under 1 fps
(H.264 and VP9) paced by their frames' timestamps rather than a 30 fps fallback, a file
without timestamps paced by its nominal rate, and the clock's rules on their own."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from capture.runtime import ThreadWorker
from capture.sources import FileSource, make_source
from capture.sources.frames import Frame, FrameSlot
from capture.sources.opencv import FileClock
from capture.sources.runner import STALE_AFTER_S, SourceRunner, SourceState
from tests.support.media import Running, make_video, running
from tests.support.waits import JOIN_S, WAIT_S

TIMELAPSE_FPS = 0.5  # a frame every 2 s
WINDOW_S = 3.0  # holds 2 frames by the file's clock; about 90 at the old 30 fps fallback

CODECS = [pytest.param("libx264", ".mp4", id="h264"), pytest.param("libvpx-vp9", ".webm", id="vp9")]


def frames_until(run: Running, end: float) -> list[Frame]:
    """Every frame the runner publishes from now until `end` (monotonic), waiting for them."""
    newest = run.frame_after(-1)
    seen = [newest]
    while (left := end - newest.mono) > 0:
        frame = run.slot.wait_newer(newest.index, left)
        if frame is None or frame.mono > end:
            break
        newest = frame
        seen.append(frame)
    return seen


@pytest.mark.parametrize(("codec", "suffix"), CODECS)
def test_a_timelapse_plays_by_its_own_timestamps(tmp_path: Path, codec: str, suffix: str) -> None:
    path = make_video(tmp_path / f"timelapse{suffix}", fps=TIMELAPSE_FPS, frames=2, codec=codec)
    with running(make_source(str(path))) as run:
        first = run.frame_after(-1)
        in_window = frames_until(run, first.mono + WINDOW_S)
        looped = run.frame_after(1)  # frame 2: the file's first frame again
        second = in_window[1] if len(in_window) > 1 else None
    # By the file's clock: the frames 2 s apart, and after the last one, its 2 s, then the loop.
    assert len(in_window) < 3, [round(f.mono - first.mono, 2) for f in in_window]
    assert second is not None and second.index == 1
    assert second.mono - first.mono > 1.0
    assert looped.index == 2
    assert looped.mono - second.mono > 1.0
    assert np.array_equal(looped.image, first.image)
    assert not np.array_equal(second.image, first.image)


def test_a_slow_file_is_live_while_it_holds_a_frame(tmp_path: Path) -> None:
    """A frame a file shows for 4 s is its pace, not a stall: the source stays live (a
    'stale' file would have every shot in that time notified as 206)."""
    path = make_video(tmp_path / "slow.mp4", fps=0.25, frames=2, codec="libx264")
    with running(make_source(str(path))) as run:
        first = run.frame_after(-1)
        assert run.slot.wait_newer(first.index, STALE_AFTER_S + 0.5) is None
        assert first.age() > STALE_AFTER_S
        assert run.runner.state() == (SourceState.LIVE, "")


def test_a_stop_cuts_a_slow_files_wait_short(tmp_path: Path) -> None:
    """A file whose next frame is 20 s away: the runner still stops at once when asked (the
    engine gives a source 7 s, and the window's Stop must not hang)."""
    path = make_video(tmp_path / "slower.mp4", fps=0.05, frames=2, codec="libx264")
    slot = FrameSlot()
    worker = ThreadWorker("source", SourceRunner(make_source(str(path)), slot))
    worker.start()
    try:
        assert slot.wait_newer(-1, WAIT_S) is not None  # frame 0; frame 1 is 20 s away
    finally:
        worker.request_stop()
        stopped = worker.join(JOIN_S)
        if not stopped:
            worker.join(WAIT_S)  # leave no thread behind, even failing
    assert stopped, "the runner waited out the file's 20 s frame instead of stopping"


def test_a_file_without_timestamps_is_paced_by_its_nominal_rate(tmp_path: Path) -> None:
    """A raw H.264 stream has no timestamps (OpenCV reports 0 for every frame) and a nominal
    25 fps: it plays at 25 fps, neither as fast as it decodes nor stuck on one frame."""
    path = make_video(tmp_path / "raw.h264", fps=TIMELAPSE_FPS, frames=5, codec="libx264")
    source = FileSource(str(path))
    source.open()
    try:
        assert source.nominal_fps == pytest.approx(25.0)
        returned = []
        for _ in range(5):
            assert source.read() is not None
            returned.append(time.monotonic())
    finally:
        source.close()
    gaps = np.diff(returned)
    assert all(gap >= 0.9 / 25.0 for gap in gaps), gaps  # a slow machine only makes it longer


# -- the clock alone ---------------------------------------------------------------------------


def test_clock_steps_by_the_timestamps_without_drift() -> None:
    clock = FileClock(fallback_step=1 / 30)
    assert clock.due(0.0, now=100.0) == 100.0  # the first frame at once
    assert clock.due(2000.0, now=100.1) == pytest.approx(102.0)
    # Shown a little late: the next is still due on the file's clock, not 2 s after the delay.
    assert clock.due(4000.0, now=102.3) == pytest.approx(104.0)
    assert clock.due(4500.0, now=104.2) == pytest.approx(104.5)  # gaps may vary


def test_clock_after_a_rewind_holds_the_last_frame_for_the_last_gap() -> None:
    clock = FileClock(fallback_step=1 / 30)
    clock.due(0.0, now=10.0)
    clock.due(2000.0, now=10.0)
    clock.rewind()
    assert clock.due(0.0, now=12.0) == pytest.approx(14.0)
    assert clock.due(2000.0, now=14.0) == pytest.approx(16.0)


def test_clock_without_timestamps_falls_back_to_the_nominal_rate() -> None:
    clock = FileClock(fallback_step=0.04)
    dues = [clock.due(0.0, now=50.0) for _ in range(4)]
    assert np.diff(dues) == pytest.approx([0.04, 0.04, 0.04])
    assert clock.due(-40.0, now=50.0) == pytest.approx(dues[-1] + 0.04)  # going backwards


def test_clock_late_by_a_whole_step_gives_one_frame_now_not_a_burst() -> None:
    clock = FileClock(fallback_step=1 / 30)
    clock.due(0.0, now=0.0)
    assert clock.due(2000.0, now=9.0) == 9.0  # the reader was away: this frame at once
    assert clock.due(4000.0, now=9.0) == pytest.approx(11.0)  # then the file's pace again
