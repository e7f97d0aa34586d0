"""Icons (hand-written SVGs in resources/icons, tinted at load), the style sheet and the
status colours. Everything the window draws in colour comes from here."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from capture.journal.states import Status, StatusGroup
from capture.spec.payload import CODE_INCOMPLETE

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
ICONS = RESOURCES / "icons"

INK = "#1f2430"
MUTED = "#6b7280"
ACCENT = "#2563eb"
GROUP_COLOURS: dict[StatusGroup, str] = {
    StatusGroup.OK: "#15803d",
    StatusGroup.PENDING: "#b45309",
    StatusGroup.FAILED: "#b91c1c",
    StatusGroup.FOREIGN: "#6d28d9",
}
GROUP_BACKGROUNDS: dict[StatusGroup, str] = {
    StatusGroup.OK: "#dcfce7",
    StatusGroup.PENDING: "#fef3c7",
    StatusGroup.FAILED: "#fee2e2",
    StatusGroup.FOREIGN: "#ede9fe",
}
STATUS_ICONS: dict[Status, str] = {
    Status.VERIFIED: "check-circle",
    Status.DELIVERED: "check-circle",
    Status.UPLOADING: "clock",
    Status.NOTIFYING: "clock",
    Status.RETRYING: "retry",
    Status.NO_SHOT: "alert",
    Status.FAILED: "x-circle",
    Status.MISMATCH: "x-circle",
    Status.FOREIGN: "inbox",
}
STATUS_LABELS: dict[Status, str] = {
    Status.VERIFIED: "Verified",
    Status.DELIVERED: "Delivered",
    Status.UPLOADING: "Uploading",
    Status.NOTIFYING: "Notifying",
    Status.RETRYING: "Retrying",
    Status.NO_SHOT: f"No shot ({CODE_INCOMPLETE})",
    Status.FAILED: "Failed",
    Status.MISMATCH: "Bad checksum",
    Status.FOREIGN: "Foreign callback",
}


def status_colour(status: Status) -> QColor:
    return QColor(GROUP_COLOURS[status.group])


def status_icon(status: Status) -> QIcon:
    return icon(STATUS_ICONS[status], GROUP_COLOURS[status.group])


@cache
def _svg_text(name: str) -> str:
    return (ICONS / f"{name}.svg").read_text(encoding="utf-8")


@cache
def icon(name: str, colour: str = INK) -> QIcon:
    """An icon from resources/icons, drawn in `colour` (its strokes use currentColor)."""
    result = QIcon()
    for size in (16, 20, 24, 32, 48):
        result.addPixmap(pixmap(name, size, colour))
    return result


@cache
def pixmap(name: str, size: int, colour: str = INK) -> QPixmap:
    data = QByteArray(_svg_text(name).replace("currentColor", colour).encode("utf-8"))
    renderer = QSvgRenderer(data)
    image = QImage(QSize(size, size), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return QPixmap.fromImage(image)


def app_icon() -> QIcon:
    return icon("logo", INK)


def stylesheet() -> str:
    return (RESOURCES / "style.qss").read_text(encoding="utf-8")
