"""Icons (hand-written SVGs in resources/icons, tinted at load), the style sheet and the
palette. Every colour the window draws is named here, once, with what it means: code asks for
`Palette.X` (`colour()` for a QColor), and resources/style.qss says `@x`, which `stylesheet()`
replaces. tests/architecture/test_palette.py keeps colour literals out of every other module.
(The logo's SVG keeps its own colours: it is artwork, and stays a file any viewer can open.)"""

from __future__ import annotations

import os
import re
from enum import Enum
from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from capture.journal.states import Status, StatusGroup
from capture.spec.payload import CODE_INCOMPLETE

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
ICONS = RESOURCES / "icons"


# The theme follows the system's light or dark setting (`follow_system_theme`), unless this
# environment variable says "dark" or "light" (a desktop without the setting, a screenshot).
THEME_ENV = "SHOTHOOK_THEME"
_THEME = {"dark": False}


class Palette(Enum):
    """Name -> its colour in the light and the dark theme (`hex` is the one shown, as Qt and
    the style sheet read it) and what it is for (`meaning`).
    Two names may share a colour when they mean different things, so that either can change
    alone. The style sheet names an entry in lower case: `@ink_soft` is `INK_SOFT`."""

    # text
    INK = "#1f2430", "#e5e7eb", "text, and icons drawn as text"
    INK_STRONG = "#111827", "#f9fafb", "the selected tab's and the selected row's text"
    INK_SOFT = (
        "#374151",
        "#d1d5db",
        "section titles, the cost box, counters, hovered tabs; copy icons",
    )
    INK_QUIET = (
        "#4b5563",
        "#a3aab6",
        "control icons; text not in play (idle chip, disabled, status bar)",
    )
    MUTED = (
        "#6b7280",
        "#9ca3af",
        "secondary text: hints, tab labels, column headers, timings; dismiss icon",
    )
    FAINT = "#9ca3af", "#6b7280", "disabled buttons' text; the empty preview's and image box's text"
    # surfaces and lines
    SURFACE = (
        "#ffffff",
        "#1f2430",
        "cards, header, inputs, buttons, tab pages, the table, the status bar",
    )
    BACKDROP = (
        "#f3f4f6",
        "#151922",
        "behind the cards; hovered buttons; idle chip and counters; grid lines",
    )
    SUNKEN = (
        "#f9fafb",
        "#1a1e28",
        "read-only and disabled fields, logs, column headers, the cost box",
    )
    STRIPE = "#fafbfc", "#232836", "every other row of the table"
    LINE = (
        "#e5e7eb",
        "#2f3542",
        "borders of cards, header, status bar and column headers; pressed buttons",
    )
    LINE_STRONG = "#d1d5db", "#4b5563", "borders of inputs and buttons"
    # on dark or on the accent
    ON_DARK = "#f9fafb", "#f9fafb", "text on dark: the preview's state pill"
    TOOLTIP = "#1f2430", "#e5e7eb", "tooltips' background: the text's colour, so they stand out"
    ON_TOOLTIP = "#f9fafb", "#111827", "tooltips' text"
    ON_DARK_SOFT = "#d1d5db", "#d1d5db", "the preview's source pill text"
    ON_ACCENT = (
        "#ffffff",
        "#ffffff",
        "text and icons on the Start and Stop buttons and the shot marker",
    )
    # the one accent
    ACCENT = (
        "#2563eb",
        "#2563eb",
        "the accent: Start, focused fields, the selected tab, the shot marker",
    )
    ACCENT_STRONG = "#1d4ed8", "#1d4ed8", "the hovered Start button"
    ACCENT_PALE = "#bfdbfe", "#1e3a8a", "selected text; the disabled Start button"
    ACCENT_TINT = "#dbeafe", "#1e3a5f", "checked tool buttons; the selected table row"
    ACCENT_EDGE = "#93c5fd", "#3b82f6", "checked tool buttons' border"
    ACCENT_INK = "#1e40af", "#93c5fd", "checked tool buttons' text; the follow-newest icon"
    ACCENT_WASH = "#eff6ff", "#93c5fd", "the disabled Start button's text"
    # the keyboard's focus: a ring on whatever control the keys go to
    FOCUS_RING = (
        "#1d4ed8",
        "#60a5fa",
        "the focus ring of inputs, buttons, tabs, check boxes and tables",
    )
    FOCUS_ON_ACCENT = (
        "#111827",
        "#f9fafb",
        "the focus ring of Start and Stop (one in the accent would vanish)",
    )
    # outcomes: a shot's status group, a check's step, a secret's keeping, a banner's kind
    OK = (
        "#15803d",
        "#4ade80",
        "went through: verified or delivered rows, passed checks, a kept secret",
    )
    PENDING = (
        "#b45309",
        "#fbbf24",
        "waiting or worth a look: pending rows, warning banners, a session secret",
    )
    FAILED = (
        "#b91c1c",
        "#f87171",
        "failed: failed rows and attempts, failed checks, error text and banners",
    )
    FOREIGN = "#6d28d9", "#a78bfa", "a callback that matches no shot"
    # the inspector's bodies, coloured as JSON
    SYNTAX_KEY = "#1e40af", "#93c5fd", "JSON object keys in the inspector's bodies"
    SYNTAX_STRING = "#166534", "#86efac", "JSON strings in the inspector's bodies"
    SYNTAX_NUMBER = "#9a3412", "#fdba74", "JSON numbers in the inspector's bodies"
    SYNTAX_LITERAL = "#6d28d9", "#c4b5fd", "JSON true, false and null in the inspector's bodies"
    OK_WASH = (
        "#dcfce7",
        "#14532d",
        "behind OK: its status pill, the running chip, the stored counter",
    )
    PENDING_WASH = (
        "#fef3c7",
        "#78350f",
        "behind PENDING: its status pill, the busy chip, the pending counter",
    )
    FAILED_WASH = "#fee2e2", "#7f1d1d", "behind FAILED: its status pill, the failed counter"
    FOREIGN_WASH = "#ede9fe", "#4c1d95", "behind FOREIGN: its status pill"
    OK_INK = "#166534", "#bbf7d0", "text on OK_WASH: the running chip, the stored counter"
    PENDING_INK = "#92400e", "#fde68a", "text on PENDING_WASH: the busy chip, the pending counter"
    FAILED_INK = "#991b1b", "#fecaca", "text on FAILED_WASH: the failed counter"
    DANGER = "#dc2626", "#dc2626", "the Stop button; an invalid field's border"
    DANGER_STRONG = "#b91c1c", "#b91c1c", "the hovered Stop button"
    INFO = "#1d4ed8", "#60a5fa", "info banners' icon"
    INFO_WASH = "#eff6ff", "#172554", "info banners' background"
    INFO_LINE = "#bfdbfe", "#1e40af", "info banners' border"
    WARNING_WASH = "#fffbeb", "#422006", "warning banners' background"
    WARNING_LINE = "#fcd34d", "#a16207", "warning banners' border"
    ERROR_WASH = "#fef2f2", "#450a0a", "error banners' and invalid fields' background"
    ERROR_LINE = "#fca5a5", "#991b1b", "error banners' border"
    # pictures
    PICTURE = (
        "#0f1115",
        "#0b0d11",
        "behind a picture: the preview, the detail image; the overlay's pills",
    )
    FLASH = "#ffffff", "#ffffff", "the preview's flash when a shot is taken"
    THUMB_PLACEHOLDER = "#eef0f3", "#2a2f3a", "a timeline row's thumbnail until it is loaded"
    SOURCE_LIVE = "#22c55e", "#22c55e", "the preview's state dot: frames are arriving"
    SOURCE_WAITING = "#f59e0b", "#f59e0b", "the preview's state dot: stale or reconnecting"
    SOURCE_OPENING = "#60a5fa", "#60a5fa", "the preview's state dot: opening"
    SOURCE_NONE = "#9ca3af", "#9ca3af", "the preview's state dot: no source"
    # the latency plot: one colour a series, the stages in one blue-to-violet run
    PLOT_CAPTURE = (
        "#7dd3fc",
        "#7dd3fc",
        "the plot's capture stage: encoding, spooling, waiting to upload",
    )
    PLOT_STORE = "#2563eb", "#60a5fa", "the plot's store stage: the upload itself"
    PLOT_NOTIFY = (
        "#7c3aed",
        "#a78bfa",
        "the plot's notify stage: the upload's end to the first callback",
    )
    PLOT_LATE = "#d97706", "#f59e0b", "the plot's schedule lateness: a shot after its slot"
    PLOT_TRIES = "#0f766e", "#2dd4bf", "the plot's upload tries"
    PLOT_ATTEMPTS = "#be185d", "#f472b6", "the plot's notification attempts"
    CLEAR = "#00000000", "#00000000", "see-through: the ground of pixmaps with transparent parts"

    def __init__(self, light: str, dark: str, meaning: str) -> None:
        self.light = light
        self.dark = dark
        self.meaning = meaning

    @property
    def hex(self) -> str:
        """This entry's colour in the theme now shown."""
        return self.dark if _THEME["dark"] else self.light


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
    Status.REJECTED: "x-circle",
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
    Status.REJECTED: "Rejected",
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


def set_dark(dark: bool) -> None:
    """Show the dark or the light theme: every colour, tinted icon and the style sheet are
    made again from the palette (caches cleared)."""
    _THEME["dark"] = dark
    for cached in (colour, icon, pixmap):
        cached.cache_clear()


def is_dark() -> bool:
    return _THEME["dark"]


def follow_system_theme(app: QApplication) -> None:
    """Take the system's colour scheme now and whenever it changes: the style sheet is set
    again, so every rule follows at once. Icons already on a control keep the tint they were
    made with until the window is opened again (each is tinted once, when made)."""
    hints = app.styleHints()
    forced = os.environ.get(THEME_ENV, "").lower()  # "dark" or "light": the system is ignored

    def apply(scheme: Qt.ColorScheme) -> None:
        set_dark(forced == "dark" or (forced != "light" and scheme == Qt.ColorScheme.Dark))
        app.setStyleSheet(stylesheet())

    apply(hints.colorScheme())
    if not app.property("shothookThemeFollows"):  # one connection for the process's windows
        app.setProperty("shothookThemeFollows", True)
        hints.colorSchemeChanged.connect(apply)
