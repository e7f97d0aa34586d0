"""Cameras, video files and stream URLs through OpenCV (the headless wheel: no Qt inside)."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import cv2

from capture.errors import SourceError
from capture.sources.frames import Image, wait_for_slot

OPEN_TIMEOUT_MS = 5000
READ_TIMEOUT_MS = 5000


def _timeouts(open_ms: int = OPEN_TIMEOUT_MS, read_ms: int = READ_TIMEOUT_MS) -> list[int]:
    return [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, open_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, read_ms]


class _OpenCVSource:
    live = True
    paced = False

    def __init__(self, label: str) -> None:
        self.label = label
        self.nominal_fps = 30.0
        self._cap: Any = None
        self._next_due = 0.0

    def _capture(self) -> Any:
        raise NotImplementedError

    def open(self) -> None:
        self.close()
        cap = self._capture()
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"cannot open {self.label}")
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.nominal_fps = fps if 1.0 <= fps <= 240.0 else 30.0
        self._cap = cap
        self._next_due = time.monotonic()

    def read(self) -> Image | None:
        if self._cap is None:
            return None
        if self.paced:
            self._pace()
        ok, image = self._cap.read()
        if not ok or image is None:
            return self._on_end()
        return _as_bgr(image)

    def _on_end(self) -> Image | None:
        return None

    def _pace(self) -> None:
        self._next_due = wait_for_slot(self._next_due, 1.0 / self.nominal_fps)

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
    read timeouts: a stream that stops sending frames makes `read` return None after
    `read_timeout_ms`, so a frozen stream counts as lost."""

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


class FileSource(_OpenCVSource):
    """A video file played at its own frame rate, looping at the end."""

    live = False
    paced = True

    def __init__(self, path: str) -> None:
        super().__init__(f"video file {os.path.basename(path)}")
        self.path = path

    def _capture(self) -> Any:
        if not os.path.isfile(self.path):
            raise SourceError(f"cannot open {self.label}: no such file {self.path}")
        cap = cv2.VideoCapture(self.path, cv2.CAP_ANY)
        if not cap.isOpened():  # a file, but no video: say which file, and that --source named it
            cap.release()
            raise SourceError(
                f"source: cannot open {self.label}: {self.path} is not a video file OpenCV can play"
            )
        return cap

    def _on_end(self) -> Image | None:
        self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
        ok, image = self._cap.read()
        return _as_bgr(image) if ok and image is not None else None


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
