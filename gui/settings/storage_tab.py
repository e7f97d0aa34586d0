"""Storage settings: a local folder, or S3-compatible storage with presets; the secret key's
home (keyring or this session only) said next to it; "Test connection" with each step's result
and the fix for a failure."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from capture.errors import ConfigError
from capture.journal.reader import StatusGroup
from capture.settings import table
from capture.settings.model import AddressingStyle, Secret, StorageKind, StorageSettings
from capture.storage import CheckStep
from capture.storage.presets import PRESETS, find_preset, preset_problem
from gui.accessible import name_widget
from gui.errors import words
from gui.resources import GROUP_COLOURS, Palette, icon, pixmap
from gui.settings.fields import FormSection, clear_layout, hint, section_title

CUSTOM = "Custom"


class StoragePanel(QWidget):
    changed = Signal()
    test_requested = Signal()

    def __init__(self, default_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.top = FormSection(stretch=False)
        self.kind = QComboBox()
        self.kind.addItem(
            icon("folder", Palette.INK_QUIET), "Local folder", StorageKind.LOCAL.value
        )
        self.kind.addItem(
            icon("database", Palette.INK_QUIET), "S3-compatible", StorageKind.S3.value
        )
        self.top.add_setting(table.KIND, self.kind)
        self.prefix = self.top.add_text(table.PREFIX)
        layout.addWidget(self.top)

        self.local = FormSection(stretch=False)
        self.directory = QLineEdit()
        self.directory.setPlaceholderText(str(default_dir))
        browse = QPushButton(icon("folder", Palette.INK_QUIET), "")
        browse.setToolTip("Choose a folder")
        name_widget(browse, "Choose the storage folder")
        browse.clicked.connect(self._browse)
        self.local.add_setting(table.DIRECTORY, _with_button(self.directory, browse))
        layout.addWidget(self.local)

        layout.addWidget(self._s3_section())
        layout.addWidget(self._test_area())
        layout.addStretch(1)
        for section in (self.top, self.local, self.s3):
            section.changed.connect(self.changed.emit)
        self.kind.currentIndexChanged.connect(self._show_kind)
        self.preset.activated.connect(self._apply_preset)
        self._show_kind()

    def _s3_section(self) -> FormSection:
        self.s3 = FormSection(stretch=False)
        self.preset = QComboBox()
        self.preset.addItems([CUSTOM, *(p.name for p in PRESETS)])
        self.preset_note = hint("")
        self.s3.add("preset", "Preset", self.preset)
        self.endpoint = self.s3.add_text(table.ENDPOINT)
        self.region = self.s3.add_text(table.REGION)
        self.bucket = self.s3.add_text(table.BUCKET)
        self.access_key = self.s3.add_text(table.ACCESS_KEY)
        self.secret_kept = True
        self.secret_key = self.s3.add_text(table.SECRET_KEY)
        self.secret_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_note = hint("")
        self.s3.add_wide(self.secret_note)
        self.addressing = QComboBox()
        for style in AddressingStyle:
            self.addressing.addItem(style.value, style.value)
        self.s3.add_setting(table.ADDRESSING_STYLE, self.addressing)
        self.s3.add_wide(self.preset_note)
        return self.s3

    # -- values ------------------------------------------------------------------------------

    def set_values(self, storage: StorageSettings) -> None:
        self.kind.setCurrentIndex(max(0, self.kind.findData(storage.kind.value)))
        self.prefix.setText(storage.prefix)
        self.directory.setText(storage.directory)
        self.endpoint.setText(storage.endpoint)
        self.region.setText(storage.region)
        self.bucket.setText(storage.bucket)
        self.access_key.setText(storage.access_key)
        self.secret_key.setText(storage.secret_key.reveal())
        self.addressing.setCurrentIndex(
            max(0, self.addressing.findData(storage.addressing_style.value))
        )
        self._show_kind()

    def set_secret(self, secret: str) -> None:
        if secret and not self.secret_key.text():
            self.secret_key.setText(secret)

    def values(self) -> tuple[StorageSettings, list[ConfigError]]:
        storage = StorageSettings(
            kind=StorageKind(self.kind.currentData()),
            directory=self.directory.text().strip(),
            prefix=self.prefix.text().strip(),
            endpoint=self.endpoint.text().strip(),
            region=self.region.text().strip(),
            bucket=self.bucket.text().strip(),
            access_key=self.access_key.text().strip(),
            secret_key=Secret(self.secret_key.text().strip()),
            addressing_style=AddressingStyle(self.addressing.currentData()),
        )
        problem = preset_problem(storage.endpoint) if storage.kind is StorageKind.S3 else None
        return storage, [problem] if problem else []

    def show_problems(self, problems: list[ConfigError]) -> None:
        for section in (self.top, self.local, self.s3):
            section.show_problems(problems)

    def set_secret_note(self, text: str, persistent: bool) -> None:
        self.secret_kept = persistent  # False: no keyring; Start asks for the key instead
        self.changed.emit()  # whether Start asks or stays off depends on it
        colour = (Palette.OK if persistent else Palette.PENDING).hex
        self.secret_note.setText(f"<span style='color:{colour}'>Secret key {text}.</span>")

    def set_locked(self, locked: bool) -> None:
        for section in (self.top, self.local, self.s3):
            section.setEnabled(not locked)

    # -- test connection -----------------------------------------------------------------------

    def _test_area(self) -> QWidget:
        area = QWidget()
        column = QVBoxLayout(area)
        column.setContentsMargins(16, 4, 16, 12)
        column.setSpacing(6)
        row = QHBoxLayout()
        row.addWidget(section_title("Connection"))
        row.addStretch(1)
        self.test_button = QPushButton(icon("plug", Palette.INK), "Test connection")
        self.test_button.clicked.connect(self.test_requested.emit)
        name_widget(
            self.test_button, "Test connection", "Reach the storage, write, read back and delete"
        )
        row.addWidget(self.test_button)
        column.addLayout(row)
        self.results = QVBoxLayout()
        self.results.setSpacing(4)
        column.addLayout(self.results)
        self.result_summary = hint("Checks reach, write, read back and delete with a probe object.")
        column.addWidget(self.result_summary)
        return area

    def show_check_running(self, label: str) -> None:
        clear_layout(self.results)
        self.test_button.setEnabled(False)
        self.result_summary.setText(f"Testing {label}…")

    def show_check(self, label: str, steps: list[CheckStep]) -> None:
        clear_layout(self.results)
        self.test_button.setEnabled(True)
        for step in steps:
            self.results.addWidget(_step_row(step))
        ok = bool(steps) and all(s.ok for s in steps)
        flagged = sum(1 for s in steps if s.warning)
        self.result_summary.setText(
            f"{label}: works ({flagged} warning{'s' if flagged != 1 else ''})."
            if ok and flagged
            else f"{label}: works."
            if ok
            else f"{label}: failed at “{steps[-1].name}”."
            if steps
            else label
        )

    def show_check_error(self, exc: BaseException) -> None:
        self.show_check(words(exc), [])

    # -- helpers -----------------------------------------------------------------------------

    def _show_kind(self) -> None:
        s3 = self.kind.currentData() == StorageKind.S3.value
        self.local.setVisible(not s3)
        self.s3.setVisible(s3)

    def _apply_preset(self) -> None:
        preset = find_preset(self.preset.currentText())
        if preset is None:
            self.preset_note.setText("")
            return
        self.region.setText(preset.region)
        self.endpoint.setText(preset.endpoint_for(preset.region))
        self.addressing.setCurrentIndex(self.addressing.findData(preset.addressing_style.value))
        self.preset_note.setText(preset.note)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Storage folder", self.directory.text())
        if folder:
            self.directory.setText(folder)


def _with_button(editor: QLineEdit, button: QPushButton) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(6)
    row.addWidget(editor, 1)
    row.addWidget(button)
    return box


def _step_row(step: CheckStep) -> QWidget:
    row = QFrame()
    grid = QHBoxLayout(row)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setSpacing(8)
    group = (
        StatusGroup.PENDING if step.warning else StatusGroup.OK if step.ok else StatusGroup.FAILED
    )
    colour = GROUP_COLOURS[group]
    glyph = "alert" if step.warning else "check-circle" if step.ok else "x-circle"
    badge = QLabel()
    badge.setPixmap(pixmap(glyph, 16, colour))
    badge.setAlignment(Qt.AlignmentFlag.AlignTop)
    grid.addWidget(badge)
    text = (
        f"<b>{escape(step.name)}</b> — {escape(step.detail)}"
        f" <span style='color:{Palette.MUTED.hex}'>({step.ms:.0f} ms)</span>"
    )
    if step.advice:
        tone, lead = (Palette.PENDING, "Note") if step.warning else (Palette.FAILED, "Fix")
        text += f"<br><span style='color:{tone.hex}'>{lead}: {escape(step.advice)}</span>"
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    grid.addWidget(label, 1)
    return row
