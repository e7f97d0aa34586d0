"""The strip of banners under the header: information, warnings and errors that stay until
their cause goes away (or the user dismisses them)."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.accessible import name_widget
from gui.resources import Palette, icon, pixmap


class Kind(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


_ICONS = {
    Kind.INFO: ("info", Palette.INFO),
    Kind.WARNING: ("alert", Palette.PENDING),
    Kind.ERROR: ("x-circle", Palette.FAILED),
}


class Banner(QFrame):
    dismissed = Signal(str)

    def __init__(self, key: str, kind: Kind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.kind = kind
        self.details = ""
        self.setObjectName("banner")
        self.setProperty("kind", kind.value)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 6, 6)
        row.setSpacing(10)
        name, colour = _ICONS[kind]
        badge = QLabel()
        badge.setPixmap(pixmap(name, 18, colour))
        badge.setAlignment(Qt.AlignmentFlag.AlignTop)
        row.addWidget(badge)
        texts = QVBoxLayout()
        texts.setSpacing(1)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setProperty("role", "hint")
        texts.addWidget(self.text)
        texts.addWidget(self.hint)
        row.addLayout(texts, 1)
        self.details_button = QPushButton("Details…")
        self.details_button.clicked.connect(self._show_details)
        name_widget(self.details_button, "Details", "Show the error's full details")
        row.addWidget(self.details_button)
        close = QToolButton()
        close.setIcon(icon("close", Palette.MUTED))
        close.setProperty("flat", True)
        close.setToolTip("Dismiss")
        name_widget(close, "Dismiss", "Hide this banner")
        close.clicked.connect(lambda: self.dismissed.emit(self.key))
        row.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)

    def set_content(self, text: str, hint: str, details: str) -> None:
        self.text.setText(text)
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        self.details = details
        self.details_button.setVisible(bool(details))

    def _show_details(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Critical, "Error details", self.text.text(), parent=self)
        box.setDetailedText(self.details)
        box.open()


class BannerArea(QWidget):
    """Banners keyed by cause: showing a key again updates it in place."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(12, 8, 12, 0)
        self._layout.setSpacing(6)
        self._banners: dict[str, Banner] = {}
        self.setVisible(False)

    def put(self, key: str, kind: Kind, text: str, *, hint: str = "", details: str = "") -> Banner:
        banner = self._banners.get(key)
        if banner is None or banner.kind is not kind:
            self.remove(key)
            banner = Banner(key, kind, self)
            banner.dismissed.connect(self.remove)
            self._banners[key] = banner
            self._layout.addWidget(banner)
        banner.set_content(text, hint, details)
        self.setVisible(True)
        return banner

    def remove(self, key: str) -> None:
        banner = self._banners.pop(key, None)
        if banner is not None:
            banner.hide()
            banner.deleteLater()
        self.setVisible(bool(self._banners))

    def active(self) -> list[str]:
        return list(self._banners)

    def text(self, key: str) -> str:
        banner = self._banners.get(key)
        return f"{banner.text.text()} {banner.hint.text()}".strip() if banner else ""
