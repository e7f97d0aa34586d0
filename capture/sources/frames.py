"""Frames and the one-frame slot between a source and its consumers.

A source publishes into a `FrameSlot`; the slot keeps only the newest frame, so a slow consumer
(the preview, a shot) always sees the latest picture and nothing queues up behind it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]  # height x width x 3, BGR


@dataclass(frozen=True)
class Frame:
    image: Image
    index: int  # counts frames from this source, from 0
    mono: float  # time.monotonic() when the frame arrived
    wall: datetime  # the same instant in UTC

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    def age(self) -> float:
        """Seconds since the frame arrived, on the monotonic clock (immune to clock changes)."""
        return time.monotonic() - self.mono


def wait_for_slot(due: float, period: float) -> float:
    """Sleep until `due` (monotonic seconds) if it is still ahead; return when the next frame
    is due. On time, that is one period after this slot (no drift). Late by a period or more,
    it is one period from now: a reader that fell behind gets one frame at once, not a burst."""
    now = time.monotonic()
    if now < due:
        time.sleep(due - now)
    elif now - due >= period:
        due = now
    return due + period


class FrameSlot:
    """Holds the newest frame; thread-safe; readers can wait for a newer one."""

    _FPS_WINDOW = 30

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._times: list[float] = []
        self.published = 0

    def publish(self, frame: Frame) -> None:
        frame.image.flags.writeable = False
        with self._cond:
            self._frame = frame
            self.published += 1
            self._times.append(frame.mono)
            if len(self._times) > self._FPS_WINDOW:
                del self._times[0]
            self._cond.notify_all()

    def clear(self) -> None:
        with self._cond:
            self._frame = None
            self._times.clear()
            self._cond.notify_all()

    def latest(self) -> Frame | None:
        with self._cond:
            return self._frame

    def wait_newer(self, than_index: int, timeout: float) -> Frame | None:
        """The newest frame if its index differs from `than_index`, waiting up to `timeout`."""
        with self._cond:
            self._cond.wait_for(
                lambda: self._frame is not None and self._frame.index != than_index, timeout
            )
            frame = self._frame
        return frame if frame is not None and frame.index != than_index else None

    def fps(self) -> float:
        """Frames per second measured over the last few frames (0 when unknown or stale)."""
        with self._cond:
            times = list(self._times)
        if len(times) < 2 or time.monotonic() - times[-1] > 2.0:
            return 0.0
        return (len(times) - 1) / max(times[-1] - times[0], 1e-6)
