"""The live preview: the newest frame, aspect-fit, with an overlay (resolution, measured fps,
state) and a flash when a shot is taken.

`FrameFeeder` (a Runnable on a worker) waits for a newer frame in the engine's FrameSlot, scales
it to the widget's size with OpenCV and hands it over only when the widget has consumed the
previous one, so frames are dropped, never queued: the preview always shows the newest frame.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QVariantAnimation, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from capture.frames import FrameSlot, Image
from capture.runtime import Spawn, StopToken
from capture.sources.runner import SourceState
from gui.resources import pixmap

WAIT_S = 0.2  # how long the feeder waits before re-checking its stop token
FLASH_MS = 450

STATE_COLOURS = {
    SourceState.LIVE: "#22c55e",
    SourceState.STALE: "#f59e0b",
    SourceState.RECONNECTING: "#f59e0b",
    SourceState.OPENING: "#60a5fa",
    SourceState.NO_SOURCE: "#9ca3af",
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
    """`image` (BGR) scaled to fit width x height, aspect kept, as contiguous RGB."""
    h, w = image.shape[:2]
    scale = min(width / w, height / h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(image, size, interpolation=interpolation) if size != (w, h) else image
    return np.ascontiguousarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))


class PreviewWidget(QWidget):
    """Paints the newest packet, centred; the overlay; a flash and marker for each shot."""

    resized = Signal(int, int)  # device pixels available for the picture

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._image: QImage | None = None
        self.frame_index = -1
        self.frames_shown = 0
        self.source_size = (0, 0)
        self.state = SourceState.NO_SOURCE
        self.reason = ""
        self.fps = 0.0
        self.label = "no source"
        self.shots = 0
        self._flash = 0.0
        self._marker = ""
        self._anim = QVariantAnimation(self)
        self._anim.setDuration(FLASH_MS * 3)
        self._anim.setStartValue(1.0)
        self._anim.setEndValue(0.0)
        self._anim.valueChanged.connect(self._set_flash)

    # -- inputs ------------------------------------------------------------------------------

    def show_packet(self, packet: Packet) -> None:
        h, w = packet.image.shape[:2]
        self._image = QImage(packet.image.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        self.frame_index = packet.index
        self.frames_shown += 1
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
        self.update()

    # -- painting ----------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        ratio = self.devicePixelRatioF()
        self.resized.emit(int(self.width() * ratio), int(self.height() * ratio))
        super().resizeEvent(event)

    def paintEvent(self, _event: object) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), QColor("#0f1115"))
        target = self._picture_rect()
        if self._image is not None and target is not None:
            painter.drawImage(target, self._image)
            if self._flash > 0:
                alpha = int(200 * max(0.0, self._flash * 3 - 2))  # a quick white flash first
                painter.fillRect(target, QColor(255, 255, 255, alpha))
        else:
            self._paint_placeholder(painter)
        self._paint_overlay(painter)
        if self._flash > 0 and self._marker:
            self._paint_marker(painter)
        painter.end()

    def _picture_rect(self) -> QRectF | None:
        if self._image is None:
            return None
        w, h = self._image.width(), self._image.height()
        scale = min(self.width() / w, self.height() / h)
        dw, dh = w * scale, h * scale
        return QRectF((self.width() - dw) / 2, (self.height() - dh) / 2, dw, dh)

    def _paint_placeholder(self, painter: QPainter) -> None:
        painter.drawPixmap(
            self.width() // 2 - 24, self.height() // 2 - 44, pixmap("camera", 48, "#4b5563")
        )
        painter.setPen(QColor("#9ca3af"))
        text = {
            SourceState.OPENING: f"Opening {self.label}…",
            SourceState.RECONNECTING: f"Reconnecting to {self.label}…",
        }.get(self.state, "No source")
        rect = QRectF(0, self.height() / 2 + 12, self.width(), 24)
        painter.drawText(rect, Qt.AlignmentFlag.AlignHCenter, text)
        if self.reason:
            painter.setPen(QColor("#6b7280"))
            painter.drawText(rect.translated(0, 22), Qt.AlignmentFlag.AlignHCenter, self.reason)

    def overlay_text(self) -> str:
        w, h = self.source_size
        parts = [self.state.value.upper()]
        if self._image is not None and w:
            parts.append(f"{w}×{h}")
        if self.state in (SourceState.LIVE, SourceState.STALE):
            parts.append(f"{self.fps:.1f} fps")
        return "   ".join(parts)

    def _paint_overlay(self, painter: QPainter) -> None:
        font = QFont(self.font())
        font.setPointSizeF(9)
        font.setBold(True)
        painter.setFont(font)
        text = self.overlay_text()
        metrics = painter.fontMetrics()
        pill = QRectF(12, self.height() - 36, metrics.horizontalAdvance(text) + 34, 24)
        _pill(painter, pill, QColor(15, 17, 21, 190))
        painter.setBrush(QColor(STATE_COLOURS[self.state]))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(QPointF(pill.left() + 13, pill.center().y()), 4.5, 4.5)
        painter.setPen(QColor("#f9fafb"))
        painter.drawText(pill.adjusted(24, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, text)
        font.setBold(False)
        painter.setFont(font)
        label = (
            self.label
            if not self.reason or self._image is None
            else f"{self.label} · {self.reason}"
        )
        width = painter.fontMetrics().horizontalAdvance(label) + 20
        source = QRectF(self.width() - width - 12, self.height() - 36, width, 24)
        _pill(painter, source, QColor(15, 17, 21, 160))
        painter.setPen(QColor("#d1d5db"))
        painter.drawText(source, Qt.AlignmentFlag.AlignCenter, label)

    def _paint_marker(self, painter: QPainter) -> None:
        opacity = min(1.0, self._flash * 1.5)
        painter.setOpacity(opacity)
        font = QFont(self.font())
        font.setPointSizeF(10)
        font.setBold(True)
        painter.setFont(font)
        width = painter.fontMetrics().horizontalAdvance(self._marker) + 46
        rect = QRectF((self.width() - width) / 2, 14, width, 32)
        _pill(painter, rect, QColor(37, 99, 235, 230))
        painter.drawPixmap(
            int(rect.left() + 10), int(rect.top() + 7), pixmap("camera", 18, "#ffffff")
        )
        painter.setPen(QColor("#ffffff"))
        painter.drawText(rect.adjusted(36, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, self._marker)
        painter.setOpacity(1.0)


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
