"""A form section: labelled editors, each with its rule's message right under it, shown as the
user types (ConfigError names the field; the message states the rule). A setting's row takes
its label, note and placeholder from the settings table (`add_setting`, `add_text`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from capture.errors import ConfigError
from capture.settings.table import Setting
from capture.settings.words import in_window
from gui.accessible import name_widget

_T = TypeVar("_T")


def parse(check: Callable[[str], _T], text: str, default: _T, problems: list[ConfigError]) -> _T:
    """`check(text)`, or `default` with the ConfigError added to `problems`."""
    try:
        return check(text)
    except ConfigError as exc:
        problems.append(exc)
        return default


def hint(text: str, role: str = "hint") -> QLabel:
    label = QLabel(text)
    label.setProperty("role", role)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def clear_layout(layout: QLayout) -> None:
    """Remove and delete every widget in `layout`."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.deleteLater()


def section_title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


class FormSection(QWidget):
    """Rows of label + editor (+ hint) + inline error; `changed` on any edit."""

    changed = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, margins: int = 16, stretch: bool = True
    ) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(margins, margins - 2, margins, margins - 2)
        outer.setSpacing(10)
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(12)
        self._grid.setVerticalSpacing(3)
        self._grid.setColumnStretch(1, 1)
        outer.addLayout(self._grid)
        self._tail = QVBoxLayout()
        self._tail.setSpacing(8)
        outer.addLayout(self._tail)
        if stretch:
            outer.addStretch(1)
        self._editors: dict[str, QWidget] = {}
        self._errors: dict[str, QLabel] = {}
        self._settings: list[Setting[Any]] = []
        self._texts: list[tuple[Setting[Any], QLineEdit]] = []
        self._row = 0

    def add_setting(self, setting: Setting[Any], editor: QWidget) -> QWidget:
        """The row that edits `setting`, keyed by the field its ConfigErrors name."""
        self._settings.append(setting)
        return self.add(setting.field, setting.label, editor, setting.note)

    def add_text(self, setting: Setting[Any]) -> QLineEdit:
        """A line edit for `setting`, with its placeholder; `texts`/`set_texts` read and fill it."""
        editor = QLineEdit()
        editor.setPlaceholderText(setting.placeholder)
        self._texts.append((setting, editor))
        self.add_setting(setting, editor)
        return editor

    def texts(self, problems: list[ConfigError], *, strip: bool = False) -> dict[str, Any]:
        """Each line edit's setting by name: its checked text, or its default (the problem in
        `problems`)."""
        return {
            setting.name: parse(
                setting.check,
                editor.text().strip() if strip else editor.text(),
                setting.default,
                problems,
            )
            for setting, editor in self._texts
        }

    def set_texts(self, values: object) -> None:
        """Fill each line edit from its setting's attribute in `values` (a settings group)."""
        for setting, editor in self._texts:
            editor.setText(str(getattr(values, setting.name)))

    def add(self, field: str, label: str, editor: QWidget, note: str = "") -> QWidget:
        """A row that is no setting (a preset picker, a read-only URL), or one `add_setting`
        makes."""
        caption = QLabel(label)
        caption.setBuddy(editor)
        _name_editor(editor, label, note)
        self._grid.addWidget(caption, self._row, 0, Qt.AlignmentFlag.AlignVCenter)
        self._grid.addWidget(editor, self._row, 1)
        self._row += 1
        if note:
            self._grid.addWidget(hint(note), self._row, 1)
            self._row += 1
        error = hint("", role="error")
        error.setVisible(False)
        self._grid.addWidget(error, self._row, 1)
        self._row += 1
        self._grid.setRowMinimumHeight(self._row, 4)
        self._row += 1
        self._editors[field] = editor
        self._errors[field] = error
        _notify_changes(editor, self.changed.emit)
        return editor

    def add_wide(self, widget: QWidget) -> None:
        """A widget under the rows, full width (buttons, results, notes)."""
        self._tail.addWidget(widget)

    def editor(self, field: str) -> QWidget:
        return self._editors[field]

    def error_text(self, field: str) -> str:
        label = self._errors.get(field)
        shown = label.text() if label is not None and not label.isHidden() else ""
        return shown.replace(_BREAK, "")

    def fields(self) -> list[str]:
        return list(self._editors)

    def settings(self) -> list[Setting[Any]]:
        """The settings this section's rows edit."""
        return list(self._settings)

    def show_problems(self, problems: list[ConfigError]) -> None:
        by_field: dict[str, str] = {}
        for problem in problems:
            by_field.setdefault(problem.field, in_window(problem))
        for field, label in self._errors.items():
            text = by_field.get(field, "")
            label.setText(breakable(text))
            label.setVisible(bool(text))
            editor = self._editors[field]
            if editor.property("invalid") != bool(text):
                editor.setProperty("invalid", bool(text))
                editor.style().unpolish(editor)
                editor.style().polish(editor)


_BREAK = "\N{ZERO WIDTH SPACE}"
_LONG_WORD = 24  # characters: past it a word could widen the form


def breakable(text: str) -> str:
    """`text` with a break opportunity every few characters inside its long words (a value the
    user pasted, quoted back in the error), so a word-wrapped label wraps them rather than
    widening the form and clipping every field."""
    words = text.split(" ")
    return " ".join(
        _BREAK.join(w[i : i + 8] for i in range(0, len(w), 8)) if len(w) > _LONG_WORD else w
        for w in words
    )


def _name_editor(editor: QWidget, label: str, note: str) -> None:
    """A screen reader names the row's editor by its label and describes it by its note; in
    a composite editor (a field with its button), the field itself."""
    fields = [editor] if editor.focusPolicy() != Qt.FocusPolicy.NoFocus else []
    for field in fields or editor.findChildren(QLineEdit):
        name_widget(field, label, note or label)


def _notify_changes(editor: QWidget, emit_changed: Callable[[], None]) -> None:
    def emit(*_args: object) -> None:
        emit_changed()

    if isinstance(editor, QLineEdit):
        editor.textChanged.connect(emit)
    elif isinstance(editor, QAbstractSpinBox):
        editor.valueChanged.connect(emit)  # type: ignore[attr-defined]
    elif isinstance(editor, QComboBox):
        editor.currentIndexChanged.connect(emit)
    elif isinstance(editor, QCheckBox):
        editor.toggled.connect(emit)
    else:
        for child in editor.findChildren(QLineEdit):
            child.textChanged.connect(emit)
