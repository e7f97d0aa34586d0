"""The preview drops frames rather than queueing them: it always shows the newest."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from pytestqt.qtbot import QtBot

from capture.sources.frames import Frame, FrameSlot
from capture.sources.runner import SourceState
from gui.preview import PreviewFeed, PreviewWidget, fit
from gui.workers import make_spawn

FRAMES = 300


def frame(index: int) -> Frame:
    image = np.full((360, 640, 3), index % 256, np.uint8)
    return Frame(image, index, 0.0, datetime.now(UTC))


def test_a_burst_faster_than_the_gui_ends_on_the_newest_frame(qtbot: QtBot) -> None:
    crashes: list[BaseException] = []
    widget = PreviewWidget()
    qtbot.addWidget(widget)
    widget.resize(320, 180)
    slot = FrameSlot()
    feed = PreviewFeed(widget, slot, make_spawn(lambda _name, exc: crashes.append(exc)))
    try:
        # The GUI thread is busy publishing: it consumes nothing until the loop ends.
        for index in range(FRAMES):
            slot.publish(frame(index))
        qtbot.waitUntil(lambda: widget.frame_index == FRAMES - 1)
        assert widget.frames_shown <= 3  # at most one in flight, then the newest
        assert slot.published == FRAMES
    finally:
        feed.worker.request_stop()
        assert feed.worker.join(5.0)
    assert crashes == []


def test_frames_are_scaled_to_fit_off_the_gui_thread() -> None:
    image = np.zeros((720, 1280, 3), np.uint8)
    image[..., 2] = 255  # red in BGR
    scaled = fit(image, 320, 320)
    assert scaled.shape == (180, 320, 3)
    assert scaled.flags["C_CONTIGUOUS"]
    assert tuple(scaled[0, 0]) == (255, 0, 0)  # RGB for QImage


def test_the_overlay_says_resolution_fps_and_state(qtbot: QtBot) -> None:
    widget = PreviewWidget()
    qtbot.addWidget(widget)
    widget.set_status(SourceState.RECONNECTING, "read failed", 0.0, "camera 0")
    assert widget.overlay_text() == "RECONNECTING"
    from gui.preview import Packet

    widget.show_packet(Packet(np.zeros((90, 160, 3), np.uint8), 7, 1280, 720))
    widget.set_status(SourceState.LIVE, "", 29.97, "camera 0")
    assert widget.overlay_text() == "LIVE   1280\u00d7720   30.0 fps"
    widget.flash("Shot taken")
    assert widget.shots == 1
    widget.grab()  # paints overlay, flash and marker without error


def test_downscaling_keeps_colours_and_averages_fine_detail() -> None:
    # A 1-pixel checkerboard of black and white, the worst case for skipping pixels: any
    # sampling that drops pixels shows black or white; averaging shows mid-grey everywhere.
    image = np.zeros((1081, 1921, 3), np.uint8)  # odd sizes: the last row/column is dropped
    image[::2, ::2] = 255
    image[1::2, 1::2] = 255
    scaled = fit(image, 746, 304)
    assert scaled.shape == (304, 540, 3)
    assert scaled.flags["C_CONTIGUOUS"]
    assert scaled.min() >= 120 and scaled.max() <= 135


def test_halving_averages_each_two_by_two_block() -> None:
    from gui.preview import halve

    image = np.array([[[0], [4], [9]], [[8], [12], [9]], [[9], [9], [9]]], np.uint8)
    image = np.repeat(image, 3, axis=2)  # BGR, the same in each channel
    assert halve(image)[..., 0].tolist() == [[6]]


def test_upscaling_and_exact_sizes_keep_the_picture() -> None:
    image = np.zeros((90, 160, 3), np.uint8)
    image[..., 0] = 200  # blue in BGR
    bigger = fit(image, 640, 640)
    assert bigger.shape == (360, 640, 3)
    assert tuple(bigger[100, 100]) == (0, 0, 200)
    assert fit(image, 160, 90).shape == (90, 160, 3)


def test_shot_taken_shows_low_on_the_picture_off_its_title_and_clock(qtbot: QtBot) -> None:
    """The test pattern (as a camera's caption) holds its title, time and frame number in the
    top third of the picture: the marker goes below them, above the state strip."""
    from PySide6.QtCore import QRectF

    from capture.sources.synthetic import SyntheticSource
    from gui.preview import OVERLAY_HEIGHT, Packet

    widget = PreviewWidget()
    qtbot.addWidget(widget)
    for width, height in ((640, 360), (900, 300), (400, 500)):
        widget.resize(width, height)
        source = SyntheticSource()
        picture = fit(source.render(0, datetime(2026, 12, 2, tzinfo=UTC)), width, height)
        widget.show_packet(Packet(picture, 1, source.width, source.height))
        widget.flash("Shot taken")
        widget.grab()
        target = widget._picture_rect()
        assert target is not None
        titles = QRectF(target.x(), target.y(), target.width(), target.height() * 0.32)
        spot = widget.marker_rect()
        assert not spot.intersects(titles), (width, height, spot, titles)
        assert spot.bottom() <= height - OVERLAY_HEIGHT  # nor over the state strip
        assert target.contains(spot.center())
