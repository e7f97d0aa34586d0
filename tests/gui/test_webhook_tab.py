"""The Webhook tab's answer controls under the real style sheet: the status and delay boxes
show their values (their inner editor was 1 px wide), and the new modes (text, a sequence,
a typed body and headers) give the webhook the mode they say; a broken one keeps the last."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QAbstractSpinBox, QApplication
from pytestqt.qtbot import QtBot

from capture.receiver.answers import AnswerKind, AnswerMode
from gui.resources import stylesheet
from gui.settings.webhook_tab import WebhookPanel


@pytest.fixture
def panel(qtbot: QtBot) -> WebhookPanel:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    # Left set afterwards, as test_theme does and as every window sets it: taking a style
    # sheet off while widgets it polished are still alive made a later setStyleSheet crash.
    app.setStyleSheet(stylesheet())
    widget = WebhookPanel()
    qtbot.addWidget(widget)
    widget.resize(380, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def pick(panel: WebhookPanel, kind: AnswerKind) -> None:
    panel.kind.setCurrentIndex(panel.kind.findData(kind.value))


@pytest.mark.parametrize(
    ("kind", "attr"), [(AnswerKind.STATUS, "status"), (AnswerKind.DELAY, "delay")]
)
def test_the_spin_boxes_show_their_values(
    qtbot: QtBot, panel: WebhookPanel, kind: AnswerKind, attr: str
) -> None:
    pick(panel, kind)
    box: QAbstractSpinBox = getattr(panel, attr)
    qtbot.waitUntil(box.isVisible)
    editor = box.lineEdit()
    needed = editor.fontMetrics().horizontalAdvance(box.text())
    assert box.text() in ("status 500", "6.00 s")
    assert editor.isVisible()
    assert editor.width() >= needed, (editor.width(), needed)  # was 1 px under the style sheet
    assert editor.geometry().right() <= box.width()  # and inside its box


def test_the_status_box_takes_100_to_599_as_the_flag_does(panel: WebhookPanel) -> None:
    assert (panel.status.minimum(), panel.status.maximum()) == (100, 599)
    pick(panel, AnswerKind.STATUS)
    panel.status.setValue(100)
    assert panel.answer_mode() == AnswerMode(AnswerKind.STATUS, status=100)


def test_text_and_a_sequence_give_their_modes(qtbot: QtBot, panel: WebhookPanel) -> None:
    with qtbot.waitSignal(panel.mode_changed) as sent:
        pick(panel, AnswerKind.TEXT)
    assert sent.args == [AnswerMode(AnswerKind.TEXT)]
    pick(panel, AnswerKind.SEQUENCE)
    assert panel.sequence.isVisible() and not panel.status.isVisible()
    with qtbot.waitSignal(panel.mode_changed) as sent:
        panel.sequence.setText("503, 200")
    assert sent.args == [AnswerMode(AnswerKind.SEQUENCE, statuses=(503, 200))]
    assert "503, 200" in panel.mode_text.text()


def test_a_broken_sequence_keeps_the_last_mode_and_says_why(
    qtbot: QtBot, panel: WebhookPanel
) -> None:
    pick(panel, AnswerKind.SEQUENCE)
    panel.sequence.setText("500,200")
    good = panel.answer_mode()
    with qtbot.assertNotEmitted(panel.mode_changed):
        panel.sequence.setText("500,700")
    assert panel.answer_mode() == good
    assert panel.mode_text.property("role") == "error"
    assert "still answers as before" in panel.mode_text.text()
    assert "(got 'seq:500,700')" in panel.mode_text.text()


def test_a_typed_body_and_headers_are_the_answer(qtbot: QtBot, panel: WebhookPanel) -> None:
    pick(panel, AnswerKind.BODY)
    assert panel.body.isVisible() and panel.headers.isVisible()
    panel.body.setPlainText("<error/>")
    with qtbot.waitSignal(panel.mode_changed) as sent:
        panel.headers.setPlainText("Content-Type: application/xml\nX-Why: test")
    mode = sent.args[0]
    assert (mode.kind, mode.body, mode.content_type) == (
        AnswerKind.BODY,
        b"<error/>",
        "application/xml",
    )
    assert mode.headers == (("X-Why", "test"),)
    with qtbot.assertNotEmitted(panel.mode_changed):
        panel.headers.setPlainText("no colon")
    assert "Answer headers:" in panel.mode_text.text()
