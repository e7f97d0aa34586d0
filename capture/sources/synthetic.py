"""The built-in test pattern: colour bars, moving shapes, a burned-in UTC clock and counter.

Paced in real time at `fps`: `read()` returns when the next frame is due, never early, and skips
frames rather than bursting when the reader falls behind.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

import cv2
import numpy as np

from capture.sources.frames import Image, wait_for_slot

_BARS_BGR = [
    (192, 192, 192),
    (0, 192, 192),
    (192, 192, 0),
    (0, 192, 0),
    (192, 0, 192),
    (0, 0, 192),
    (192, 0, 0),
]
_FONT = cv2.FONT_HERSHEY_SIMPLEX


class SyntheticSource:
    live = True

    def __init__(self, width: int = 1280, height: int = 720, fps: float = 30.0) -> None:
        self.width = width
        self.height = height
        self.nominal_fps = fps
        self.label = f"test pattern {width}x{height} @ {fps:g} fps"
        self._background = _background(width, height)
        self._count = 0
        self._next_due = 0.0

    def open(self) -> None:
        self._count = 0
        self._next_due = time.monotonic()

    def read(self) -> Image | None:
        self._next_due = wait_for_slot(self._next_due, 1.0 / self.nominal_fps)
        image = self.render(self._count, datetime.now(UTC))
        self._count += 1
        return image

    def close(self) -> None:
        """Nothing to release."""

    def render(self, count: int, instant: datetime) -> Image:
        img = self._background.copy()
        w, h = self.width, self.height
        phase = count / self.nominal_fps
        # A ball bouncing across the lower third and a sweeping vertical bar.
        x = int((0.5 + 0.45 * math.sin(phase * 1.3)) * w)
        y = int(h * 0.72 + 0.1 * h * math.sin(phase * 2.1))
        cv2.circle(img, (x, y), max(8, h // 14), (40, 220, 255), -1, cv2.LINE_AA)
        bar_x = int((phase * w / 4) % w)
        cv2.rectangle(img, (bar_x, 0), (bar_x + max(4, w // 160), h), (255, 255, 255), -1)
        stamp = instant.strftime("%Y-%m-%d %H:%M:%S.") + f"{instant.microsecond // 1000:03d} UTC"
        scale = h / 720
        _label(img, "ShotHook test pattern", (int(40 * scale), int(70 * scale)), 1.4 * scale)
        _label(img, stamp, (int(40 * scale), int(140 * scale)), 1.2 * scale)
        _label(img, f"frame {count:07d}", (int(40 * scale), int(200 * scale)), 1.0 * scale)
        return img


def _background(width: int, height: int) -> Image:
    img = np.zeros((height, width, 3), np.uint8)
    bar_w = math.ceil(width / len(_BARS_BGR))
    for i, colour in enumerate(_BARS_BGR):
        img[: height * 2 // 3, i * bar_w : (i + 1) * bar_w] = colour
    ramp = np.linspace(0, 255, width, dtype=np.uint8)
    img[height * 2 // 3 :, :, :] = ramp[None, :, None]
    return img


def _label(img: Image, text: str, origin: tuple[int, int], scale: float) -> None:
    thickness = max(1, round(2 * scale))
    (tw, th), base = cv2.getTextSize(text, _FONT, scale, thickness)
    x, y = origin
    cv2.rectangle(img, (x - 8, y - th - 8), (x + tw + 8, y + base + 4), (20, 20, 20), -1)
    cv2.putText(img, text, (x, y), _FONT, scale, (255, 255, 255), thickness, cv2.LINE_AA)
