"""Network cameras frozen mid-stream: GStreamer's RTSP server (H.264) and ffmpeg serving MJPEG
over HTTP, each stopped dead with SIGSTOP for 10 s (their connections stay open, nothing more
arrives) and then resumed. The source must go "reconnecting" within about LOST_AFTER_S even
while OpenCV's read is still blocked, pass off nothing the frozen camera sent (or the decoder
still held) as a new frame, and come back live on its own once the camera does."""

from __future__ import annotations

import time
from typing import Any

import pytest

from capture import events
from capture.sources import StreamSource
from capture.sources.runner import LOST_AFTER_S
from tests.support.media import MjpegHttpCamera, RtspCamera, Running, frozen, running
from tests.support.waits import WAIT_S

FREEZE_S = 10.0
# When "reconnecting" must be reported by: LOST_AFTER_S, plus slack for a loaded machine.
# Without a watchdog the RTSP source reports it only once the camera is resumed.
LOST_BY_S = LOST_AFTER_S + 3.0
FRAMES_FIRST = 5  # frames to see before freezing: the stream is really flowing


def states(run: Running, mark: int) -> list[dict[str, Any]]:
    return run.log.since(mark, events.SOURCE_STATE)


def wait_state(run: Running, mark: int, state: str, timeout: float) -> None:
    run.log.wait_until(
        lambda: any(s["state"] == state for s in states(run, mark)),
        timeout,
        f"the source to be {state}",
    )


def freeze_and_resume(camera: RtspCamera | MjpegHttpCamera) -> None:
    with running(StreamSource(camera.url)) as run:
        newest = run.frame_after(-1)
        while newest.index < FRAMES_FIRST:
            newest = run.frame_after(newest.index)

        mark = run.log.mark()
        with frozen(camera):
            frozen_at = time.monotonic()
            wait_state(run, mark, "reconnecting", LOST_BY_S)
            lost = states(run, mark)
            declared = run.slot.latest()
            assert declared is not None
            # Frozen from here on: no frame is published, and the state never says live.
            left = frozen_at + FREEZE_S - time.monotonic()
            assert run.slot.wait_newer(declared.index, max(0.0, left)) is None
            during = states(run, mark)
        assert lost[0]["state"] == "reconnecting", lost
        assert lost[0]["reason"].startswith("no new frame for"), lost
        assert all(s["state"] == "reconnecting" for s in during), during

        thawed = run.log.mark()
        wait_state(run, thawed, "live", WAIT_S)
        back = run.frame_after(declared.index)
        assert back.age() < LOST_AFTER_S


def test_a_frozen_rtsp_stream_goes_reconnecting_and_comes_back() -> None:
    with RtspCamera() as camera:
        freeze_and_resume(camera)


def test_a_frozen_mjpeg_http_stream_goes_reconnecting_and_comes_back() -> None:
    with MjpegHttpCamera() as camera:
        freeze_and_resume(camera)
        assert camera.started >= 2  # the reader came back to a new ffmpeg, not the frozen one


@pytest.mark.parametrize("camera", [RtspCamera, MjpegHttpCamera])
def test_opencv_reads_the_test_cameras(camera: type[RtspCamera | MjpegHttpCamera]) -> None:
    with camera() as serving, running(StreamSource(serving.url)) as run:
        frame = run.frame_after(-1)
    assert frame.image.shape == (120, 160, 3)
