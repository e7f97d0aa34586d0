"""JPEG and thumbnail encoding."""

from __future__ import annotations

from datetime import UTC, datetime

import cv2
import numpy as np
import pytest

from capture.shooting.encoder import THUMB_WIDTH, encode_jpeg, thumbnail_jpeg
from capture.sources import SyntheticSource
from capture.sources.frames import Image

INSTANT = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def decode(data: bytes) -> Image:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "not a JPEG OpenCV can read"
    return np.asarray(image, dtype=np.uint8)


@pytest.fixture(scope="module")
def pattern() -> Image:
    return SyntheticSource().render(42, INSTANT)


def test_jpeg_starts_and_ends_with_the_jpeg_markers(pattern: Image) -> None:
    data = encode_jpeg(pattern)
    assert data[:3] == b"\xff\xd8\xff"
    assert data[-2:] == b"\xff\xd9"


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (640, 480), (33, 17)])
def test_jpeg_decodes_back_to_the_same_size(width: int, height: int) -> None:
    image = SyntheticSource(width, height).render(0, INSTANT)
    assert decode(encode_jpeg(image)).shape == (height, width, 3)


def test_jpeg_looks_like_the_frame(pattern: Image) -> None:
    back = decode(encode_jpeg(pattern, 95)).astype(np.int16)
    assert float(np.abs(back - pattern).mean()) < 4.0


def test_lower_quality_makes_smaller_files(pattern: Image) -> None:
    sizes = [len(encode_jpeg(pattern, q)) for q in (10, 30, 60, 95)]
    assert sizes == sorted(sizes)
    assert sizes[1] < sizes[3] * 0.7  # q=30 clearly smaller than q=95


def test_quality_extremes_still_encode(pattern: Image) -> None:
    for quality in (1, 100):
        assert decode(encode_jpeg(pattern, quality)).shape == pattern.shape


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (640, 480), (720, 1280)])
def test_thumbnail_is_thumb_width_and_keeps_aspect(width: int, height: int) -> None:
    image = SyntheticSource(width, height).render(0, INSTANT)
    thumb = decode(thumbnail_jpeg(image))
    assert thumb.shape[1] == THUMB_WIDTH
    assert thumb.shape[0] == round(height * THUMB_WIDTH / width)


def test_thumbnail_of_a_very_wide_frame_is_at_least_one_pixel_high() -> None:
    image = np.zeros((2, 2000, 3), np.uint8)
    assert decode(thumbnail_jpeg(image)).shape == (1, THUMB_WIDTH, 3)
