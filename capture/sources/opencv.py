"""Cameras, video files and stream URLs through OpenCV (the headless wheel: no Qt inside)."""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

import cv2

from capture.errors import SourceError
from capture.sources.frames import Image

OPEN_TIMEOUT_MS = 5000
READ_TIMEOUT_MS = 5000
FALLBACK_FPS = 30.0  # for a file whose container reports no usable rate
MIN_FPS, MAX_FPS = 0.01, 240.0  # outside this a reported rate is garbage (0, a time base)

# FFmpeg's own I/O timeout, under OpenCV's read timeout: a socket that stops delivering ends
# the read even where OpenCV's interrupt callback is not consulted. Setting this variable
# replaces OpenCV's default options, so its default (RTSP over TCP when the camera allows)
# is repeated. `timeout` is left out on purpose: for rtmp:// it means "listen as a server".
# A value the user exported wins.
os.environ.setdefault(
    "OPENCV_FFMPEG_CAPTURE_OPTIONS",
    f"rtsp_flags;prefer_tcp|rw_timeout;{READ_TIMEOUT_MS * 1000}",
)


def _timeouts(open_ms: int = OPEN_TIMEOUT_MS, read_ms: int = READ_TIMEOUT_MS) -> list[int]:
    return [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, open_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, read_ms]


def _nominal_fps(cap: Any) -> float:
    fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
    return fps if MIN_FPS <= fps <= MAX_FPS else FALLBACK_FPS


class _OpenCVSource:
    live = True

    def __init__(self, label: str) -> None:
        self.label = label
        self.nominal_fps = FALLBACK_FPS
        self._cap: Any = None

    def _capture(self) -> Any:
        raise NotImplementedError

    def open(self) -> None:
        self.close()
        cap = self._capture()
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"cannot open {self.label}")
        self.nominal_fps = _nominal_fps(cap)
        self._cap = cap
        self._opened()

    def _opened(self) -> None:
        """Called once the capture is open."""

    def read(self) -> Image | None:
        if self._cap is None:
            return None
        ok, image = self._cap.read()
        if not ok or image is None:
            return None
        return _as_bgr(image)

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class CameraSource(_OpenCVSource):
    def __init__(self, index: int) -> None:
        super().__init__(f"camera {index}")
        self.index = index

    def _capture(self) -> Any:
        return cv2.VideoCapture(self.index, cv2.CAP_ANY, _timeouts())


class StreamSource(_OpenCVSource):
    """rtsp://, http(s)://... anything FFmpeg reads (MJPEG over HTTP included), with open and
    read timeouts: a stream that stops sending frames makes `read` return after
    `read_timeout_ms`, so a frozen stream counts as lost. (What it returns then may be a frame
    the decoder still held: `SourceRunner` judges a read by how long it took.)"""

    def __init__(
        self,
        url: str,
        *,
        open_timeout_ms: int = OPEN_TIMEOUT_MS,
        read_timeout_ms: int = READ_TIMEOUT_MS,
    ) -> None:
        super().__init__(f"stream {url}")
        self.url = url
        self._timeouts = _timeouts(open_timeout_ms, read_timeout_ms)

    def _capture(self) -> Any:
        return cv2.VideoCapture(self.url, cv2.CAP_FFMPEG, self._timeouts)


class FileClock:
    """When each frame of a video file is due, by the file's own timestamps.

    A frame is due one step after the previous one was due (never after it was shown, so
    nothing drifts), the step being the gap between their timestamps. A file without
    timestamps (every frame at 0, or going backwards) steps by its nominal rate instead. After
    a rewind the first frame follows the last one by the last step. A reader late by a whole
    step or more gets the frame at once and the clock restarts from now: one frame, not a
    burst.
    """

    def __init__(self, fallback_step: float) -> None:
        self._fallback = fallback_step
        self._step = fallback_step
        self._due: float | None = None
        self._pts_ms: float | None = None
        self._rewound = False

    def rewind(self) -> None:
        self._rewound = True

    def due(self, pts_ms: float, now: float) -> float:
        """When the frame with timestamp `pts_ms` (ms) is due on the monotonic clock."""
        if self._due is None:
            due = now
        else:
            step = self._next_step(pts_ms)
            due = self._due + step
            if now - due >= step:
                due = now
        self._due, self._pts_ms = due, pts_ms
        return due

    def _next_step(self, pts_ms: float) -> float:
        if self._rewound:
            self._rewound = False
        elif self._pts_ms is not None and pts_ms > self._pts_ms:
            self._step = (pts_ms - self._pts_ms) / 1000.0
        else:
            self._step = self._fallback
        return self._step


class FileSource(_OpenCVSource):
    """A video file played by its own clock (its frames' timestamps), looping at the end.

    The wait for a frame's turn can be cut short by `interrupt()` (from any thread), so that a
    slow file, a timelapse whose frames are seconds apart, never holds up a stop."""

    live = False

    def __init__(self, path: str) -> None:
        super().__init__(f"video file {os.path.basename(path)}")
        self.path = path
        self._clock = FileClock(1.0 / FALLBACK_FPS)
        self._interrupted = threading.Event()

    def _capture(self) -> Any:
        if not os.path.isfile(self.path):
            raise SourceError(f"cannot open {self.label}: no such file {self.path}")
        cap = cv2.VideoCapture(self.path, cv2.CAP_ANY)
        if not cap.isOpened():  # a file, but no video: say which file, and that --source named it
            cap.release()
            raise SourceError(
                f"cannot open {self.label}: {self.path} is not a video file OpenCV can play"
            )
        return cap

    def _opened(self) -> None:
        self._clock = FileClock(1.0 / self.nominal_fps)
        self._interrupted.clear()

    def interrupt(self) -> None:
        """End the current wait for a frame's turn at once (the frame is returned early)."""
        self._interrupted.set()

    def read(self) -> Image | None:
        image = super().read()
        if image is None and self._cap is not None:
            image = self._rewind()
        if image is None:
            return None
        due = self._clock.due(float(self._cap.get(cv2.CAP_PROP_POS_MSEC)), time.monotonic())
        self._interrupted.wait(max(0.0, due - time.monotonic()))
        return image

    def _rewind(self) -> Image | None:
        self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
        self._clock.rewind()
        return super().read()


def _as_bgr(image: Any) -> Image:
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)  # type: ignore[no-any-return]
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)  # type: ignore[no-any-return]
    return image  # type: ignore[no-any-return]


def list_cameras(limit: int = 8) -> list[int]:
    """Indexes of cameras that open. On Linux only /dev/video* nodes are probed (fast)."""
    if sys.platform.startswith("linux"):
        nodes = sorted(
            int(name[5:])
            for name in os.listdir("/dev")
            if name.startswith("video") and name[5:].isdigit()
        )
        candidates = [n for n in nodes if n < limit]
    else:
        candidates = list(range(limit))
    found = []
    for index in candidates:
        cap = cv2.VideoCapture(index, cv2.CAP_ANY)
        if cap.isOpened():
            found.append(index)
        cap.release()
    return found
