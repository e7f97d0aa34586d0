"""Edit and resend: a notification's payload in an editor, checked as JSON while it is typed;
sent to the URL shown, its checksum made again for that URL unless the user unticks it (to
send a deliberately wrong one). Once sent, the body is shown exactly as it went, with how the
attempts ended. The sending itself is the controller's (on a worker); the dialog only asks."""

from __future__ import annotations

import json

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.accessible import name_widget
from gui.settings.fields import hint, section_title

EDITOR_LINES = 14


class ResendDialog(QDialog):
    send_requested = Signal(str, str, str, bool)  # requestId, URL, body, recompute checksum

    def __init__(self, request_id: str, url: str, payload: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.request_id = request_id
        self.setWindowTitle("Edit and resend")
        column = QVBoxLayout(self)
        column.addWidget(section_title(f"Resend requestId {request_id}"))
        self.url = QLineEdit(url)
        self.url.setProperty("role", "mono")
        name_widget(self.url, "Send to", "The callback URL the notification is sent to")
        column.addWidget(QLabel("Send to"))
        column.addWidget(self.url)
        self.editor = QPlainTextEdit(payload)
        self.editor.setProperty("role", "mono")
        self.editor.setTabChangesFocus(True)
        self.editor.setMinimumHeight(self.editor.fontMetrics().lineSpacing() * EDITOR_LINES)
        name_widget(self.editor, "Payload", "The JSON body to send; it must be a JSON object")
        column.addWidget(self.editor, 1)
        self.validity = hint("")
        column.addWidget(self.validity)
        self.recompute = QCheckBox("Recompute the checksum for this URL")
        self.recompute.setChecked(True)
        name_widget(
            self.recompute,
            self.recompute.text(),
            "Untick to send the checksum as typed (a deliberately wrong one)",
        )
        column.addWidget(self.recompute)
        self.outcome = hint("")
        self.outcome.setVisible(False)
        column.addWidget(self.outcome)
        self.sent = QPlainTextEdit()
        self.sent.setReadOnly(True)
        self.sent.setProperty("role", "mono")
        self.sent.setVisible(False)
        name_widget(self.sent, "Body as sent", "The body exactly as it was sent")
        column.addWidget(self.sent)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.send = QPushButton("Send")
        self.send.setObjectName("primary")
        name_widget(self.send, "Send", "Send the payload to the URL, as the pipeline does")
        buttons.addButton(self.send, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)
        self.send.clicked.connect(self._send)
        self.editor.textChanged.connect(self._check)
        self.url.textChanged.connect(self._check)
        self._sending = False
        self._check()

    def problem(self) -> str:
        """Why the payload cannot be sent as it stands ('' when it can)."""
        if not self.url.text().strip():
            return "Send to: a URL is needed."
        try:
            body = json.loads(self.editor.toPlainText())
        except ValueError as exc:
            return f"Payload: not JSON ({exc})."
        except RecursionError:
            return "Payload: nests too deeply to be a notification."
        if not isinstance(body, dict):
            return "Payload: must be a JSON object, as a notification is."
        return ""

    def _check(self) -> None:
        problem = self.problem()
        self.validity.setProperty("role", "error" if problem else "hint")
        self.validity.setText(problem or "Valid JSON.")
        self.validity.style().unpolish(self.validity)
        self.validity.style().polish(self.validity)
        self.send.setEnabled(not problem and not self._sending)

    def _send(self) -> None:
        if self.problem() or self._sending:
            return
        self._sending = True
        self.send.setEnabled(False)
        self.outcome.setVisible(True)
        self.outcome.setText("Sending…")
        self.send_requested.emit(
            self.request_id,
            self.url.text().strip(),
            self.editor.toPlainText(),
            self.recompute.isChecked(),
        )

    def show_outcome(self, summary: str, body: str) -> None:
        """The resend ended: how, and the body exactly as it was sent."""
        self._sending = False
        self.outcome.setText(summary)
        self.sent.setPlainText(body)
        self.sent.setVisible(True)
        self._check()

    def show_error(self, message: str) -> None:
        self._sending = False
        self.outcome.setVisible(True)
        self.outcome.setText(message)
        self._check()
