"""Video sources: what `--source` accepts, and the protocol every source follows."""

from __future__ import annotations

import os
from typing import Protocol

from capture.errors import ConfigError, SourceError
from capture.sources.frames import Image
from capture.sources.opencv import CameraSource, FileSource, StreamSource, list_cameras
from capture.sources.synthetic import SyntheticSource

SYNTHETIC_NAMES = ("synthetic", "test", "pattern")
RULE_SOURCE = "'synthetic', a camera index (0, 1, ...), a video file path or a stream URL"
STREAM_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")


class FrameSource(Protocol):
    label: str  # what the user picked, in words: "camera 0", "test pattern 1280x720 @ 30 fps"
    nominal_fps: float
    live: bool  # True for cameras, streams and the pattern; False for files

    def open(self) -> None:
        """Open or reopen; raises SourceError naming the source."""

    def read(self) -> Image | None:
        """The next frame (blocking, paced); None when the source is lost."""

    def close(self) -> None: ...


def make_source(spec: str) -> FrameSource:
    """Turn a `--source` value into a source (not yet opened). 'auto' is resolved elsewhere."""
    text = spec.strip()
    if not text:
        raise ConfigError("source", f"must be {RULE_SOURCE}")
    if text.lower() in SYNTHETIC_NAMES:
        return SyntheticSource()
    if text.isdigit():
        return CameraSource(int(text))
    if text.lower().startswith(STREAM_SCHEMES):
        return StreamSource(text)
    if "://" in text:
        raise ConfigError("source", f"must be {RULE_SOURCE}; unknown URL scheme", text)
    if not os.path.isfile(text):
        raise ConfigError("source", f"must be {RULE_SOURCE}; no such file", text)
    return FileSource(text)


def open_auto() -> FrameSource:
    """Camera 0 if one opens, else the test pattern. Returns the source already open."""
    if list_cameras(limit=1):
        camera = CameraSource(0)
        try:
            camera.open()
        except SourceError:
            pass
        else:
            return camera
    pattern = SyntheticSource()
    pattern.open()
    return pattern


__all__ = [
    "CameraSource",
    "FileSource",
    "FrameSource",
    "StreamSource",
    "SyntheticSource",
    "list_cameras",
    "make_source",
    "open_auto",
]
