"""JPEG encoding through OpenCV."""

from __future__ import annotations

import cv2
import numpy as np

from capture.errors import ShotHookError
from capture.frames import Image

DEFAULT_QUALITY = 85
THUMB_WIDTH = 192


def encode_jpeg(image: Image, quality: int = DEFAULT_QUALITY) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ShotHookError(f"JPEG encoding failed for a {image.shape} frame")
    return bytes(buf)


def thumbnail_jpeg(image: Image, width: int = THUMB_WIDTH, quality: int = 70) -> bytes:
    """A small JPEG for the timeline (aspect kept)."""
    h, w = image.shape[:2]
    height = max(1, round(h * width / w))
    small = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
    return encode_jpeg(np.asarray(small, dtype=np.uint8), quality)
