"""Video sources: what `--source` accepts, and the protocol every source follows."""

from __future__ import annotations

from typing import Protocol

from capture.errors import ConfigError, SourceError
from capture.settings.rules import RULE_SOURCE, SourceKind, source_kind
from capture.sources.frames import Image
from capture.sources.opencv import CameraSource, FileSource, StreamSource, list_cameras
from capture.sources.synthetic import SyntheticSource


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
    kind = source_kind(text)  # the rule (ConfigError naming 'source'), shared with the flag's
    if kind is SourceKind.PATTERN:
        return SyntheticSource()
    if kind is SourceKind.CAMERA:
        return CameraSource(int(text))
    if kind is SourceKind.STREAM:
        return StreamSource(text)
    if kind is SourceKind.FILE:
        return FileSource(text)
    raise ConfigError("source", f"must be {RULE_SOURCE}; 'auto' is resolved by open_auto", text)


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
