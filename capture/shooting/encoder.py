"""JPEG encoding through OpenCV."""

from __future__ import annotations

import cv2
import numpy as np

from capture.errors import ShotHookError
from capture.sources.frames import Image

DEFAULT_QUALITY = 85
THUMB_WIDTH = 192


def encode_jpeg(image: Image, quality: int = DEFAULT_QUALITY) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ShotHookError(f"JPEG encoding failed for a {image.shape} frame")
    return bytes(buf)


def thumbnail_jpeg(image: Image, width: int = THUMB_WIDTH, quality: int = 70) -> bytes:
    """A small JPEG for the timeline (aspect kept)."""
    return encode_jpeg(thumbnail_image(image, width), quality)


def thumbnail_image(image: Image, width: int = THUMB_WIDTH) -> Image:
    """`image` scaled to `width` pixels wide (aspect kept) by area averaging.

    A frame is first halved while it is at least 4x the target (halving is INTER_AREA's fast
    path, a 2x2 average), then averaged down in one step: the same picture to within a grey
    level on average, at a fraction of the cost of one non-integer step from full size (the
    benchmark row "capture -> callback, median" carries it on every shot).
    """
    h, w = image.shape[:2]
    height = max(1, round(h * width / w))
    small = image
    while small.shape[1] >= 4 * width and small.shape[0] >= 4 * height:
        half = (small.shape[1] // 2, small.shape[0] // 2)
        small = np.asarray(cv2.resize(small, half, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    thumb = cv2.resize(small, (width, height), interpolation=cv2.INTER_AREA)
    return np.asarray(thumb, dtype=np.uint8)
