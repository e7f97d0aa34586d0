"""The settings sidebar: Capture, Storage and Webhook tabs over one typed `Settings`.

Every edit re-checks the whole form (the `check_*` functions and `Settings.problems()`), shows
each broken rule under its field and emits `validity(ok, first_problem)`, which the Start
button follows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QScrollArea, QTabWidget, QWidget

from capture.errors import ConfigError
from capture.settings.model import Settings
from capture.settings.words import in_window
from gui.accessible import name_widget
from gui.resources import Palette, icon
from gui.settings.capture_tab import CapturePanel
from gui.settings.fields import FormSection
from gui.settings.storage_tab import StoragePanel
from gui.settings.webhook_tab import WebhookPanel


class SettingsForm(QTabWidget):
    edited = Signal()
    validity = Signal(bool, str)

    def __init__(self, default_storage_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.capture = CapturePanel()
        self.storage = StoragePanel(default_storage_dir)
        self.webhook = WebhookPanel()
        self.tabBar().setUsesScrollButtons(False)
        self.tabBar().setExpanding(True)
        self._icons = ("sliders", "database", "globe")
        self.addTab(_scrolling(self.capture), self._icon(0, False), "Capture")
        self.addTab(_scrolling(self.storage), self._icon(1, False), "Storage")
        self.addTab(_scrolling(self.webhook), self._icon(2, False), "Webhook")
        name_widget(self, "Settings", "Capture, Storage and Webhook settings")
        name_widget(self.tabBar(), "Settings tabs", "Capture, Storage and Webhook")
        self._base = Settings()
        self._loading = False
        for panel in (self.capture, self.storage, self.webhook):
            panel.changed.connect(self._on_change)

    def minimumSizeHint(self) -> QSize:
        """Wide enough for its tabs and for the widest page's fields: the pages never
        scroll sideways, so narrower would cut them."""
        hint = super().minimumSizeHint()
        pages = [self.widget(i) for i in range(self.count())]
        widths = [_page_width(p) for p in pages if isinstance(p, QScrollArea)]
        return QSize(
            max([hint.width(), self.tabBar().minimumSizeHint().width(), *widths]), hint.height()
        )

    def set_settings(self, settings: Settings) -> None:
        self._loading = True
        self._base = settings
        self.capture.set_values(settings.capture)
        self.storage.set_values(settings.storage)
        self.webhook.set_values(settings.callback)
        self._loading = False
        self._on_change()

    def settings(self) -> Settings:
        return self._collect()[0]

    def problems(self) -> list[ConfigError]:
        return self._collect()[1]

    def first_problem(self) -> ConfigError | None:
        problems = self.problems()
        return problems[0] if problems else None

    def only_the_secret_is_missing(self) -> bool:
        """No keyring kept the S3 secret, and it is all that stops a start: Start asks for it."""
        problems = self.problems()
        return (
            bool(problems)
            and not self.storage.secret_kept
            and all(p.field == "secret_key" for p in problems)
        )

    def reveal(self, field: str) -> None:
        """Show the tab that holds `field` and put the cursor in its editor."""
        for index, panel in enumerate(self._panels()):
            editor = _editor_in(panel, field)
            if editor is not None:
                self.setCurrentIndex(index)
                editor.setFocus(Qt.FocusReason.OtherFocusReason)
                return

    def _panels(self) -> tuple[QWidget, ...]:
        return (self.capture, self.storage, self.webhook)

    def _icon(self, index: int, marked: bool) -> QIcon:
        """A tab whose page holds a broken rule wears the alert icon in the failure colour."""
        return (
            icon("alert", Palette.FAILED) if marked else icon(self._icons[index], Palette.INK_QUIET)
        )

    def _mark_tabs(self, problems: list[ConfigError]) -> None:
        fields = {p.field: in_window(p) for p in problems}
        for index, panel in enumerate(self._panels()):
            said = [text for field, text in fields.items() if _editor_in(panel, field)]
            self.setTabIcon(index, self._icon(index, bool(said)))
            self.setTabToolTip(index, " ".join(said))
        self.tabBar().setAccessibleDescription(
            "; ".join(f"{self.tabText(i)}: {self.tabToolTip(i) or 'fine'}" for i in range(3))
        )

    def set_locked(self, locked: bool) -> None:
        """While capturing, capture and storage settings stay as they started."""
        self.capture.setEnabled(not locked)
        self.storage.set_locked(locked)
        self.capture.locked_note.setVisible(locked)

    def _collect(self) -> tuple[Settings, list[ConfigError]]:
        capture, problems = self.capture.values()
        storage, more = self.storage.values()
        callback, rest = self.webhook.values()
        problems += more + rest
        settings = Settings(capture=capture, storage=storage, callback=callback)
        seen = {p.field for p in problems}
        problems += [p for p in settings.problems() if p.field not in seen]
        return settings, problems

    def _on_change(self) -> None:
        problems = self.problems()
        self.capture.show_problems(problems)
        self.storage.show_problems(problems)
        self.webhook.show_problems(problems)
        self._mark_tabs(problems)
        self.validity.emit(not problems, in_window(problems[0]) if problems else "")
        if not self._loading:
            self.edited.emit()


def _editor_in(panel: QWidget, field: str) -> QWidget | None:
    """The editor of `field` in one of `panel`'s form sections, if it has one."""
    sections = [panel] if isinstance(panel, FormSection) else []
    for section in sections + panel.findChildren(FormSection):
        if field in section.fields():
            return section.editor(field)
    return None


def _page_width(area: QScrollArea) -> int:
    """The page's fields at their narrowest, beside the scroll bar."""
    page = area.widget()
    fields = page.minimumSizeHint().width() if page else 0
    return fields + area.verticalScrollBar().sizeHint().width() + 2 * area.frameWidth()


def _scrolling(panel: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    # Tab goes from the tabs to the first field: the page itself is no stop of its own (it
    # scrolls to whichever field takes the focus).
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    panel.setObjectName("formPage")
    area.setWidget(panel)
    return area
