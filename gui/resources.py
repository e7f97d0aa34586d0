"""Icons (hand-written SVGs in resources/icons, tinted at load), the style sheet and the
palette. Every colour the window draws is named here, once, with what it means: code asks for
`Palette.X` (`colour()` for a QColor), and resources/style.qss says `@x`, which `stylesheet()`
replaces. tests/architecture/test_palette.py keeps colour literals out of every other module.
(The logo's SVG keeps its own colours: it is artwork, and stays a file any viewer can open.)"""

from __future__ import annotations

import re
from enum import Enum
from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QSize
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from capture.journal.states import Status, StatusGroup
from capture.spec.payload import CODE_INCOMPLETE

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
ICONS = RESOURCES / "icons"


class Palette(Enum):
    """Name -> colour (`hex`, as Qt and the style sheet read it) and what it is for (`meaning`).
    Two names may share a colour when they mean different things, so that either can change
    alone. The style sheet names an entry in lower case: `@ink_soft` is `INK_SOFT`."""

    # text
    INK = "#1f2430", "text, and icons drawn as text; the tooltip's background"
    INK_STRONG = "#111827", "the selected tab's and the selected row's text"
    INK_SOFT = "#374151", "section titles, the cost box, counters, hovered tabs; copy icons"
    INK_QUIET = "#4b5563", "control icons; text not in play (idle chip, disabled, status bar)"
    MUTED = "#6b7280", "secondary text: hints, tab labels, column headers, timings; dismiss icon"
    FAINT = "#9ca3af", "disabled buttons' text; the empty preview's and image box's text"
    # surfaces and lines
    SURFACE = "#ffffff", "cards, header, inputs, buttons, tab pages, the table, the status bar"
    BACKDROP = "#f3f4f6", "behind the cards; hovered buttons; idle chip and counters; grid lines"
    SUNKEN = "#f9fafb", "read-only and disabled fields, logs, column headers, the cost box"
    STRIPE = "#fafbfc", "every other row of the table"
    LINE = "#e5e7eb", "borders of cards, header, status bar and column headers; pressed buttons"
    LINE_STRONG = "#d1d5db", "borders of inputs and buttons"
    # on dark or on the accent
    ON_DARK = "#f9fafb", "text on dark: tooltips, the preview's state pill"
    ON_DARK_SOFT = "#d1d5db", "the preview's source pill text"
    ON_ACCENT = "#ffffff", "text and icons on the Start and Stop buttons and the shot marker"
    # the one accent
    ACCENT = "#2563eb", "the accent: Start, focused fields, the selected tab, the shot marker"
    ACCENT_STRONG = "#1d4ed8", "the hovered Start button"
    ACCENT_PALE = "#bfdbfe", "selected text; the disabled Start button"
    ACCENT_TINT = "#dbeafe", "checked tool buttons; the selected table row"
    ACCENT_EDGE = "#93c5fd", "checked tool buttons' border"
    ACCENT_INK = "#1e40af", "checked tool buttons' text; the follow-newest icon"
    ACCENT_WASH = "#eff6ff", "the disabled Start button's text"
    # the keyboard's focus: a ring on whatever control the keys go to
    FOCUS_RING = "#1d4ed8", "the focus ring of inputs, buttons, tabs, check boxes and tables"
    FOCUS_ON_ACCENT = "#111827", "the focus ring of Start and Stop (one in the accent would vanish)"
    # outcomes: a shot's status group, a check's step, a secret's keeping, a banner's kind
    OK = "#15803d", "went through: verified or delivered rows, passed checks, a kept secret"
    PENDING = "#b45309", "waiting or worth a look: pending rows, warning banners, a session secret"
    FAILED = "#b91c1c", "failed: failed rows and attempts, failed checks, error text and banners"
    FOREIGN = "#6d28d9", "a callback that matches no shot"
    OK_WASH = "#dcfce7", "behind OK: its status pill, the running chip, the stored counter"
    PENDING_WASH = "#fef3c7", "behind PENDING: its status pill, the busy chip, the pending counter"
    FAILED_WASH = "#fee2e2", "behind FAILED: its status pill, the failed counter"
    FOREIGN_WASH = "#ede9fe", "behind FOREIGN: its status pill"
    OK_INK = "#166534", "text on OK_WASH: the running chip, the stored counter"
    PENDING_INK = "#92400e", "text on PENDING_WASH: the busy chip, the pending counter"
    FAILED_INK = "#991b1b", "text on FAILED_WASH: the failed counter"
    DANGER = "#dc2626", "the Stop button; an invalid field's border"
    DANGER_STRONG = "#b91c1c", "the hovered Stop button"
    INFO = "#1d4ed8", "info banners' icon"
    INFO_WASH = "#eff6ff", "info banners' background"
    INFO_LINE = "#bfdbfe", "info banners' border"
    WARNING_WASH = "#fffbeb", "warning banners' background"
    WARNING_LINE = "#fcd34d", "warning banners' border"
    ERROR_WASH = "#fef2f2", "error banners' and invalid fields' background"
    ERROR_LINE = "#fca5a5", "error banners' border"
    # pictures
    PICTURE = "#0f1115", "behind a picture: the preview, the detail image; the overlay's pills"
    FLASH = "#ffffff", "the preview's flash when a shot is taken"
    THUMB_PLACEHOLDER = "#eef0f3", "a timeline row's thumbnail until it is loaded"
    SOURCE_LIVE = "#22c55e", "the preview's state dot: frames are arriving"
    SOURCE_WAITING = "#f59e0b", "the preview's state dot: stale or reconnecting"
    SOURCE_OPENING = "#60a5fa", "the preview's state dot: opening"
    SOURCE_NONE = "#9ca3af", "the preview's state dot: no source"
    # the latency plot: one colour a series, the stages in one blue-to-violet run
    PLOT_CAPTURE = "#7dd3fc", "the plot's capture stage: encoding, spooling, waiting to upload"
    PLOT_STORE = "#2563eb", "the plot's store stage: the upload itself"
    PLOT_NOTIFY = "#7c3aed", "the plot's notify stage: the upload's end to the first callback"
    PLOT_LATE = "#d97706", "the plot's schedule lateness: a shot after its slot"
    PLOT_TRIES = "#0f766e", "the plot's upload tries"
    PLOT_ATTEMPTS = "#be185d", "the plot's notification attempts"
    CLEAR = "#00000000", "see-through: the ground of pixmaps with transparent parts"

    def __init__(self, hex_code: str, meaning: str) -> None:
        self.hex = hex_code
        self.meaning = meaning


GROUP_COLOURS: dict[StatusGroup, Palette] = {
    StatusGroup.OK: Palette.OK,
    StatusGroup.PENDING: Palette.PENDING,
    StatusGroup.FAILED: Palette.FAILED,
    StatusGroup.FOREIGN: Palette.FOREIGN,
}
GROUP_BACKGROUNDS: dict[StatusGroup, Palette] = {
    StatusGroup.OK: Palette.OK_WASH,
    StatusGroup.PENDING: Palette.PENDING_WASH,
    StatusGroup.FAILED: Palette.FAILED_WASH,
    StatusGroup.FOREIGN: Palette.FOREIGN_WASH,
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
    return colour(GROUP_COLOURS[status.group])


def status_icon(status: Status) -> QIcon:
    return icon(STATUS_ICONS[status], GROUP_COLOURS[status.group])


@cache
def colour(name: Palette, alpha: int | None = None) -> QColor:
    """`name` as a QColor, `alpha` (0 to 255) over it if given. Cached, as the timeline asks
    for one per row: the QColor is shared, so callers must not change it."""
    result = QColor(name.hex)
    if alpha is not None:
        result.setAlpha(alpha)
    return result


@cache
def _svg_text(name: str) -> str:
    return (ICONS / f"{name}.svg").read_text(encoding="utf-8")


@cache
def icon(name: str, tint: Palette = Palette.INK) -> QIcon:
    """An icon from resources/icons, drawn in `tint` (its strokes use currentColor)."""
    result = QIcon()
    for size in (16, 20, 24, 32, 48):
        result.addPixmap(pixmap(name, size, tint))
    return result


@cache
def pixmap(name: str, size: int, tint: Palette = Palette.INK) -> QPixmap:
    data = QByteArray(_svg_text(name).replace("currentColor", tint.hex).encode("utf-8"))
    renderer = QSvgRenderer(data)
    image = QImage(QSize(size, size), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(colour(Palette.CLEAR))
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return QPixmap.fromImage(image)


def app_icon() -> QIcon:
    return icon("logo")


_TOKEN = re.compile(r"@([a-z][a-z0-9_]*)")


def themed(text: str) -> str:
    """`text` with each `@name` replaced by that palette entry's colour; an unknown name is a
    KeyError naming it (a typo in the style sheet would otherwise drop its rule silently)."""
    return _TOKEN.sub(lambda match: Palette[match.group(1).upper()].hex, text)


def stylesheet() -> str:
    return themed((RESOURCES / "style.qss").read_text(encoding="utf-8"))
