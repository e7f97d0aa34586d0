"""Timeline thumbnails: 192 pixels wide, aspect kept, and as faithful as one area-average."""

from __future__ import annotations

from datetime import UTC, datetime

import cv2
import numpy as np
import pytest

from capture.shooting.encoder import THUMB_WIDTH, thumbnail_image, thumbnail_jpeg
from capture.sources.synthetic import SyntheticSource


def decode(jpeg: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


@pytest.mark.parametrize(
    ("width", "height", "thumb_height"),
    [(1280, 720, 108), (1920, 1080, 108), (333, 201, 116), (100, 50, 96), (192, 108, 108)],
)
def test_size_keeps_the_aspect(width: int, height: int, thumb_height: int) -> None:
    image = np.full((height, width, 3), 128, np.uint8)
    assert decode(thumbnail_jpeg(image)).shape == (thumb_height, THUMB_WIDTH, 3)


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080), (3840, 2160), (640, 480)])
def test_matches_one_area_average_of_the_whole_frame(width: int, height: int) -> None:
    frame = SyntheticSource(width, height).render(42, datetime(2026, 1, 1, tzinfo=UTC))
    size = (THUMB_WIDTH, round(height * THUMB_WIDTH / width))
    reference = cv2.resize(frame, size, interpolation=cv2.INTER_AREA).astype(np.int16)
    difference = np.abs(thumbnail_image(frame).astype(np.int16) - reference)
    assert difference.mean() < 1.0  # grey levels out of 255: the same picture
    assert np.percentile(difference, 99) < 32  # only sharp edges (text) differ at all
