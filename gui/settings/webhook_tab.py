"""Callback and webhook: where notifications go (the embedded webhook by default, its URL shown
and copyable), the public URL checksums are verified against, and the tester's answer mode,
applied live."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QStyle,
    QToolButton,
    QWidget,
)

from capture.errors import ConfigError
from capture.receiver import answers
from capture.receiver.answers import AnswerKind, AnswerMode
from capture.settings import table
from capture.settings.model import CallbackSettings, is_loopback
from capture.settings.words import in_window
from gui.accessible import name_widget
from gui.resources import Palette, icon
from gui.settings.fields import FormSection, hint, section_title

MODES = [
    (AnswerKind.NORMAL, "Normal: 200 with JSON"),
    (AnswerKind.TEXT, 'Text: 200 text/plain "OK"'),
    (AnswerKind.STATUS, "Fixed status code"),
    (AnswerKind.SEQUENCE, "A status per delivery, in turn"),
    (AnswerKind.DELAY, "Delay, then 200"),
    (AnswerKind.BODY, "200 with my body and headers"),
    (AnswerKind.NON_JSON, "200 with a non-JSON body"),
    (AnswerKind.DROP, "Drop the connection"),
]
BOX_LINES = 4  # lines a typed body or headers box shows


class WebhookPanel(FormSection):
    mode_changed = Signal(object)  # AnswerMode
    public_url_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.callback_url = self.add_text(table.CALLBACK_URL)
        self.embedded = QLineEdit("starting…")
        self.embedded.setReadOnly(True)
        self.embedded.setProperty("role", "mono")
        copy = QToolButton()
        copy.setIcon(icon("copy", Palette.INK_QUIET))
        copy.setProperty("flat", True)
        copy.setToolTip("Copy the embedded webhook's URL")
        name_widget(copy, "Copy the embedded webhook's URL")
        copy.clicked.connect(self._copy_embedded)
        self.add("embedded", "Embedded webhook", _row(self.embedded, copy))
        self.public_url = self.add_text(table.PUBLIC_URL)
        self.host = self.add_text(table.WEBHOOK_HOST)
        self.port = self.add_text(table.WEBHOOK_PORT)
        self.forward_to = self.add_text(table.FORWARD_TO)
        self.exposed = hint("", role="error")
        self.exposed.setVisible(False)
        self.add_wide(self.exposed)
        self._answer_mode_controls()
        self.public_url.editingFinished.connect(
            lambda: self.public_url_changed.emit(self.public_url.text().strip())
        )
        self._mode_edited()

    def _answer_mode_controls(self) -> None:
        self.add_wide(section_title("Answer mode (for testing retries)"))
        self.kind = QComboBox()
        for kind, text in MODES:
            self.kind.addItem(text, kind.value)
        self.status = QSpinBox()
        self.status.setRange(answers.STATUS_MIN, answers.STATUS_MAX)  # the flag's rule
        self.status.setValue(500)
        self.status.setPrefix("status ")
        self.status.setButtonSymbols(QSpinBox.ButtonSymbols.NoButtons)
        self.delay = QDoubleSpinBox()
        self.delay.setRange(0.1, 60.0)
        self.delay.setValue(6.0)
        self.delay.setSuffix(" s")
        self.delay.setButtonSymbols(QDoubleSpinBox.ButtonSymbols.NoButtons)
        self.sequence = QLineEdit("500,500,200")
        self.sequence.setPlaceholderText("500,500,200")
        self.body = _box('{"code": 0, "msg": "ok"}', "the body, sent as typed")
        self.headers = _box("", "Name: value, one a line")
        self.reject = QCheckBox("Reject bad checksums with 401")
        name_widget(self.kind, "Answer mode", "How the embedded webhook answers callbacks")
        name_widget(self.status, "Answer status", "The HTTP status the webhook answers with")
        name_widget(self.delay, "Answer delay", "How long the webhook waits before answering")
        name_widget(
            self.sequence, "Answer sequence", "Statuses answering each delivery of a requestId"
        )
        name_widget(self.body, "Answer body", "The body the webhook answers with, as typed")
        name_widget(self.headers, "Answer headers", "Headers sent with the body, Name: value")
        name_widget(
            self.reject, self.reject.text(), "Answer 401 to a callback whose checksum is wrong"
        )
        self.mode_text = hint("")
        mode_row = QWidget()
        line = QHBoxLayout(mode_row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.kind, 1)
        line.addWidget(self.status)
        line.addWidget(self.delay)
        line.addWidget(self.sequence, 1)
        self.add_wide(mode_row)
        self.add_wide(self.body)
        self.add_wide(self.headers)
        self.add_wide(self.reject)
        self.add_wide(self.mode_text)
        self.kind.currentIndexChanged.connect(self._mode_edited)
        self.status.valueChanged.connect(self._mode_edited)
        self.delay.valueChanged.connect(self._mode_edited)
        self.sequence.textChanged.connect(self._mode_edited)
        self.body.textChanged.connect(self._mode_edited)
        self.headers.textChanged.connect(self._mode_edited)
        self.reject.toggled.connect(self._mode_edited)
        self._valid = AnswerMode()

    # -- values ------------------------------------------------------------------------------

    def set_values(self, callback: CallbackSettings) -> None:
        self.set_texts(callback)

    def values(self) -> tuple[CallbackSettings, list[ConfigError]]:
        problems: list[ConfigError] = []
        return CallbackSettings(**self.texts(problems, strip=True)), problems

    def answer_mode(self) -> AnswerMode:
        """The mode the controls say, or while they break a rule the last one that held."""
        try:
            return self._typed_mode()
        except ConfigError:
            return self._valid

    def _typed_mode(self) -> AnswerMode:
        kind = AnswerKind(self.kind.currentData())
        reject = self.reject.isChecked()
        if kind is AnswerKind.BODY:
            body, headers = self.body.toPlainText(), self.headers.toPlainText()
            return answers.typed(body, headers, reject_bad_checksum=reject)
        if kind is AnswerKind.SEQUENCE:
            return AnswerMode.parse(f"seq:{self.sequence.text()}", reject_bad_checksum=reject)
        return AnswerMode(
            kind=kind,
            status=self.status.value(),
            delay_s=self.delay.value(),
            reject_bad_checksum=reject,
        )

    def set_listening(
        self, url: str, host: str, note: str, port: int = 0, port_taken: int | None = None
    ) -> None:
        """Show where the webhook listens. When its port was taken (`port_taken`), the Port
        field says the port in use, as the URL does: a field still saying the port asked for
        would send the user to the other program."""
        self.embedded.setText(url)
        self.embedded.setToolTip(url)
        self.embedded.setMinimumWidth(_text_width(self.embedded, url))
        self.embedded.setCursorPosition(0)
        if port_taken is not None and port:
            self.port.setText(str(port))
        self.exposed.setVisible(not is_loopback(host))
        self.exposed.setText(note or f"Listening on {host}: other machines can reach this webhook.")

    def _mode_edited(self) -> None:
        kind = AnswerKind(self.kind.currentData())
        self.status.setVisible(kind is AnswerKind.STATUS)
        self.delay.setVisible(kind is AnswerKind.DELAY)
        self.sequence.setVisible(kind is AnswerKind.SEQUENCE)
        self.body.setVisible(kind is AnswerKind.BODY)
        self.headers.setVisible(kind is AnswerKind.BODY)
        try:
            mode = self._typed_mode()
        except ConfigError as exc:
            # The webhook keeps answering as before until the controls hold again.
            self.mode_text.setProperty("role", "error")
            self.mode_text.setText(f"{in_window(exc)} The webhook still answers as before.")
            _restyle(self.mode_text)
            return
        self._valid = mode
        self.mode_text.setProperty("role", "hint")
        self.mode_text.setText(f"The embedded webhook will {mode.describe()}.")
        _restyle(self.mode_text)
        self.mode_changed.emit(mode)

    def _copy_embedded(self) -> None:
        QGuiApplication.clipboard().setText(self.embedded.text())


def _box(text: str, placeholder: str) -> QPlainTextEdit:
    box = QPlainTextEdit(text)
    box.setPlaceholderText(placeholder)
    box.setProperty("role", "mono")
    box.setTabChangesFocus(True)  # Tab walks on, as in every other field
    lines = box.fontMetrics().lineSpacing() * BOX_LINES
    box.setFixedHeight(lines + 2 * int(box.frameWidth()) + 8)
    return box


def _restyle(widget: QWidget) -> None:
    """A changed `role` property takes effect only once the style polishes the widget again."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def _text_width(field: QLineEdit, text: str) -> int:
    """The width `field` needs to show `text` whole (its frame and margins included), so the
    URL is never cut at its port."""
    margins = field.textMargins()
    frame = 2 * field.style().pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth) + 8
    advance = field.fontMetrics().horizontalAdvance(text)
    return advance + margins.left() + margins.right() + frame


def _row(*widgets: QWidget) -> QWidget:
    box = QWidget()
    line = QHBoxLayout(box)
    line.setContentsMargins(0, 0, 0, 0)
    line.setSpacing(4)
    for i, widget in enumerate(widgets):
        line.addWidget(widget, 1 if i == 0 else 0)
    return box
