"""The live preview: the newest frame, aspect-fit, with an overlay (resolution, measured fps,
state) and a flash when a shot is taken.

`FrameFeeder` (a Runnable on a worker) waits for a newer frame in the engine's FrameSlot, scales
it to the widget's size with OpenCV and hands it over only when the widget has consumed the
previous one, so frames are dropped, never queued: the preview always shows the newest frame.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QVariantAnimation, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QPainter,
    QPainterPath,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from capture.runtime import Spawn, StopToken
from capture.sources.frames import FrameSlot, Image
from capture.sources.runner import SourceState
from gui.resources import Palette, colour, pixmap

WAIT_S = 0.2  # how long the feeder waits before re-checking its stop token
FLASH_MS = 450
FRAME_GAP_S = 0.05  # frames closer than this repaint the flash; else its animation does
OVERLAY_HEIGHT = 36  # the strip at the bottom holding the state and source pills
_BACKGROUND = colour(Palette.PICTURE)

STATE_COLOURS = {
    SourceState.LIVE: Palette.SOURCE_LIVE,
    SourceState.STALE: Palette.SOURCE_WAITING,
    SourceState.RECONNECTING: Palette.SOURCE_WAITING,
    SourceState.OPENING: Palette.SOURCE_OPENING,
    SourceState.NO_SOURCE: Palette.SOURCE_NONE,
}


@dataclass(frozen=True)
class Packet:
    """A frame scaled for display (RGB, contiguous) and what the overlay says about it."""

    image: Image
    index: int
    source_width: int
    source_height: int


class FrameFeeder:
    """Runnable: the newest frame from `slot`, scaled to `target`, one at a time to `deliver`."""

    def __init__(self, slot: FrameSlot, deliver: Callable[[Packet], None]) -> None:
        self._slot = slot
        self._deliver = deliver
        self._consumed = threading.Event()
        self._consumed.set()
        self._lock = threading.Lock()
        self._target = (640, 360)

    def set_target(self, width: int, height: int) -> None:
        with self._lock:
            self._target = (max(1, width), max(1, height))

    def consumed(self) -> None:
        """The GUI has taken the last packet: the next one may be prepared."""
        self._consumed.set()

    def run(self, stop: StopToken) -> None:
        stop.on_set(self._consumed.set)
        last = -1
        while not stop.is_set():
            if not self._consumed.wait(WAIT_S) or stop.is_set():
                continue
            frame = self._slot.wait_newer(last, WAIT_S)
            if frame is None:
                continue
            last = frame.index
            with self._lock:
                width, height = self._target
            self._consumed.clear()
            self._deliver(
                Packet(fit(frame.image, width, height), frame.index, frame.width, frame.height)
            )


def fit(image: Image, width: int, height: int) -> Image:
    """`image` (BGR) scaled to fit width x height, aspect kept, as contiguous RGB.

    Downscaling halves the picture with exact 2:1 box filters while it is at least twice the
    target, then takes one bilinear step (ratio under 2, so nothing is skipped): as smooth as
    one INTER_AREA resize, for a fraction of its CPU, which would otherwise spread over both
    cores 30 times a second beside the GUI thread (the benchmark row "preview: frames shown/s,
    1080p30, uploads stalled" measures it)."""
    h, w = image.shape[:2]
    scale = min(width / w, height / h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = image
    while small.shape[1] >= 2 * size[0] and small.shape[0] >= 2 * size[1]:
        small = halve(small)
    if (small.shape[1], small.shape[0]) != size:
        small = np.asarray(cv2.resize(small, size, interpolation=cv2.INTER_LINEAR), np.uint8)
    return np.ascontiguousarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))


def halve(image: Image) -> Image:
    """`image` at half its size, each pixel the mean of a 2x2 block (an odd last row or column
    is dropped, which keeps the ratio exactly 2:1, OpenCV's fast path)."""
    h, w = image.shape[:2]
    even = image[: h - h % 2, : w - w % 2]
    return np.asarray(cv2.resize(even, (w // 2, h // 2), interpolation=cv2.INTER_AREA), np.uint8)


class PreviewWidget(QWidget):
    """Paints the newest packet, centred; the overlay; a flash and marker for each shot."""

    resized = Signal(int, int)  # device pixels available for the picture
    first_frame_painted = Signal()  # once, when a source's picture is first on screen

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._image: QImage | None = None
        self.frame_index = -1
        self.frames_shown = 0
        self.frames_painted = 0  # distinct frames painted (a frame repainted counts once)
        self._painted_index = -1
        self.source_size = (0, 0)
        self.state = SourceState.NO_SOURCE
        self.reason = ""
        self.fps = 0.0
        self.label = "no source"
        self.shots = 0
        self._flash = 0.0
        self._marker = ""
        self._last_packet = 0.0  # time.monotonic() of the last frame shown
        self._overlay: tuple[object, QPixmap] | None = None  # (what it shows, the pixmap)
        self._marker_cache: tuple[str, QPixmap] | None = None
        self._anim = QVariantAnimation(self)
        self._anim.setDuration(FLASH_MS * 3)
        self._anim.setStartValue(1.0)
        self._anim.setEndValue(0.0)
        self._anim.valueChanged.connect(self._set_flash)

    # -- inputs ------------------------------------------------------------------------------

    def show_packet(self, packet: Packet) -> None:
        h, w = packet.image.shape[:2]
        self._image = QImage(packet.image.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        self._image.setDevicePixelRatio(self.devicePixelRatioF())  # it was fitted in pixels
        self.frame_index = packet.index
        self.frames_shown += 1
        self._last_packet = time.monotonic()
        self.source_size = (packet.source_width, packet.source_height)
        self.update()

    def set_status(self, state: SourceState, reason: str, fps: float, label: str) -> None:
        if (state, reason, round(fps, 1), label) == (
            self.state,
            self.reason,
            round(self.fps, 1),
            self.label,
        ):
            return
        self.state, self.reason, self.fps, self.label = state, reason, fps, label
        if state is SourceState.NO_SOURCE:
            self._image = None
        self.update()

    def flash(self, text: str) -> None:
        """A shot was taken: flash the picture and show a marker for a moment."""
        self.shots += 1
        self._marker = text
        self._anim.stop()
        self._anim.start()

    def _set_flash(self, value: object) -> None:
        self._flash = float(value)  # type: ignore[arg-type]
        if time.monotonic() - self._last_packet > FRAME_GAP_S:
            self.update()  # no frames coming: the animation repaints; else the next frame does

    # -- painting ----------------------------------------------------------------------------
    #
    # Every call from Python into Qt may wait for the interpreter lock while other threads run
    # (the source, the preview's scaler, a shot's encoder), so a paint's cost grows with its
    # calls on a busy machine ("preview: GUI thread's longest stall" is the row that guards
    # it). So a frame's paint makes a handful of calls: the picture, blitted
    # at its own size, and the overlay and shot marker as pixmaps redrawn only when they change.

    def resizeEvent(self, event: QResizeEvent) -> None:
        ratio = self.devicePixelRatioF()
        self.resized.emit(int(self.width() * ratio), int(self.height() * ratio))
        super().resizeEvent(event)

    def paintEvent(self, _event: object) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), _BACKGROUND)
        target = self._picture_rect()
        if self._image is not None and target is not None:
            self._paint_picture(painter, target, self._image)
            self._count_painted()
            if self._flash > 0:
                alpha = int(200 * max(0.0, self._flash * 3 - 2))  # a quick white flash first
                if alpha:
                    painter.fillRect(target, colour(Palette.FLASH, alpha))
        else:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint_placeholder(painter)
        overlay = self._overlay_pixmap()
        painter.drawPixmap(0, self.height() - OVERLAY_HEIGHT, overlay)
        if self._flash > 0 and self._marker:
            painter.setOpacity(min(1.0, self._flash * 1.5))
            spot = self.marker_rect()
            painter.drawPixmap(int(spot.x()), int(spot.y()), self._marker_pixmap())
        painter.end()

    def marker_rect(self) -> QRectF:
        """Where "Shot taken" shows: centred low on the picture, just above the state strip, so
        it never covers what a picture holds at its top (a camera's caption and clock, the test
        pattern's title and time)."""
        marker = self._marker_pixmap()
        ratio = marker.devicePixelRatio()
        width, height = marker.width() / ratio, marker.height() / ratio
        target = self._picture_rect()
        bottom = float(self.height() - OVERLAY_HEIGHT)
        if target is not None:
            bottom = min(bottom, target.bottom())
        return QRectF((self.width() - width) / 2, max(0.0, bottom - height - 10), width, height)

    def _paint_picture(self, painter: QPainter, target: QRectF, image: QImage) -> None:
        ratio = self.devicePixelRatioF()
        if abs(target.width() * ratio - image.width()) < 1:  # fitted to this size: a blit
            image.setDevicePixelRatio(ratio)
            painter.drawImage(QPointF(round(target.x()), round(target.y())), image)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)  # until the next frame
        painter.drawImage(target, image)

    def _count_painted(self) -> None:
        if self.frame_index == self._painted_index:
            return
        self._painted_index = self.frame_index
        self.frames_painted += 1
        if self.frames_painted == 1:
            self.first_frame_painted.emit()

    def _picture_rect(self) -> QRectF | None:
        if self._image is None:
            return None
        ratio = self._image.devicePixelRatio()
        w, h = self._image.width() / ratio, self._image.height() / ratio
        scale = min(self.width() / w, self.height() / h)
        dw, dh = w * scale, h * scale
        return QRectF((self.width() - dw) / 2, (self.height() - dh) / 2, dw, dh)

    def _overlay_pixmap(self) -> QPixmap:
        key = (self.overlay_text(), self._source_text(), self.state, self.width(), self.label)
        if self._overlay is None or self._overlay[0] != key:
            picture = self._transparent(self.width(), OVERLAY_HEIGHT)
            painter = QPainter(picture)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint_overlay(painter, 0)
            painter.end()
            self._overlay = (key, picture)
        return self._overlay[1]

    def _marker_pixmap(self) -> QPixmap:
        if self._marker_cache is None or self._marker_cache[0] != self._marker:
            font = self._marker_font()
            width = QFontMetrics(font).horizontalAdvance(self._marker) + 46
            picture = self._transparent(width, 32)
            painter = QPainter(picture)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint_marker(painter, QRectF(0, 0, width, 32), font)
            painter.end()
            self._marker_cache = (self._marker, picture)
        return self._marker_cache[1]

    def _transparent(self, width: int, height: int) -> QPixmap:
        ratio = self.devicePixelRatioF()
        picture = QPixmap(max(1, round(width * ratio)), max(1, round(height * ratio)))
        picture.setDevicePixelRatio(ratio)
        picture.fill(colour(Palette.CLEAR))
        return picture

    def _paint_placeholder(self, painter: QPainter) -> None:
        painter.drawPixmap(
            self.width() // 2 - 24, self.height() // 2 - 44, pixmap("camera", 48, Palette.INK_QUIET)
        )
        painter.setPen(colour(Palette.FAINT))
        text = {
            SourceState.OPENING: f"Opening {self.label}…",
            SourceState.RECONNECTING: f"Reconnecting to {self.label}…",
        }.get(self.state, "No source")
        rect = QRectF(0, self.height() / 2 + 12, self.width(), 24)
        painter.drawText(rect, Qt.AlignmentFlag.AlignHCenter, text)
        if self.reason:
            painter.setPen(colour(Palette.MUTED))
            painter.drawText(rect.translated(0, 22), Qt.AlignmentFlag.AlignHCenter, self.reason)

    def overlay_text(self) -> str:
        w, h = self.source_size
        parts = [self.state.value.upper()]
        if self._image is not None and w:
            parts.append(f"{w}×{h}")
        if self.state in (SourceState.LIVE, SourceState.STALE):
            parts.append(f"{self.fps:.1f} fps")
        return "   ".join(parts)

    def _source_text(self) -> str:
        if not self.reason or self._image is None:
            return self.label
        return f"{self.label} · {self.reason}"

    def _paint_overlay(self, painter: QPainter, top: float) -> None:
        """The state pill (bottom left) and the source pill (bottom right), from `top`."""
        font = QFont(self.font())
        font.setPointSizeF(9)
        font.setBold(True)
        painter.setFont(font)
        text = self.overlay_text()
        metrics = painter.fontMetrics()
        pill = QRectF(12, top, metrics.horizontalAdvance(text) + 34, 24)
        _pill(painter, pill, colour(Palette.PICTURE, 190))
        painter.setBrush(colour(STATE_COLOURS[self.state]))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(QPointF(pill.left() + 13, pill.center().y()), 4.5, 4.5)
        painter.setPen(colour(Palette.ON_DARK))
        painter.drawText(pill.adjusted(24, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, text)
        font.setBold(False)
        painter.setFont(font)
        label = self._source_text()
        width = painter.fontMetrics().horizontalAdvance(label) + 20
        source = QRectF(self.width() - width - 12, top, width, 24)
        _pill(painter, source, colour(Palette.PICTURE, 160))
        painter.setPen(colour(Palette.ON_DARK_SOFT))
        painter.drawText(source, Qt.AlignmentFlag.AlignCenter, label)

    def _marker_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(10)
        font.setBold(True)
        return font

    def _paint_marker(self, painter: QPainter, rect: QRectF, font: QFont) -> None:
        painter.setFont(font)
        _pill(painter, rect, colour(Palette.ACCENT, 230))
        painter.drawPixmap(
            int(rect.left() + 10), int(rect.top() + 7), pixmap("camera", 18, Palette.ON_ACCENT)
        )
        painter.setPen(colour(Palette.ON_ACCENT))
        painter.drawText(rect.adjusted(36, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, self._marker)


def _pill(painter: QPainter, rect: QRectF, colour: QColor) -> None:
    path = QPainterPath()
    path.addRoundedRect(rect, rect.height() / 2, rect.height() / 2)
    painter.fillPath(path, colour)


class PreviewFeed:
    """Wires a FrameFeeder on a worker to a PreviewWidget (packets queued to the GUI thread)."""

    def __init__(self, widget: PreviewWidget, slot: FrameSlot, spawn: Spawn) -> None:
        self._widget = widget
        self._bridge = _PacketBridge(widget)  # parented: lives as long as the widget
        self.feeder = FrameFeeder(slot, self._bridge.packet.emit)
        self._bridge.packet.connect(self._show)
        widget.resized.connect(self.feeder.set_target)
        self.feeder.set_target(widget.width(), widget.height())
        self.worker = spawn("preview", self.feeder)
        self.worker.start()

    def _show(self, packet: Packet) -> None:
        self._widget.show_packet(packet)
        self.feeder.consumed()


class _PacketBridge(QObject):
    packet = Signal(object)
