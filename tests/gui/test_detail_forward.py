"""The detail pane's Forwarded section: each delivery's forward target with its status and
time, or its error; hidden when nothing was forwarded, cleared by the next row."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from capture.journal.reader import Detail, Forwarding
from gui.timeline.detail import DetailPane
from tests.gui.test_detail_checksum import detail_with

TARGET = "http://127.0.0.1:9000/hook"


def forwarded(forward: Forwarding | None) -> Detail:
    detail = detail_with(None)
    (body,) = detail.received
    return replace(detail, received=(replace(body, forward=forward),))


def text(pane: DetailPane) -> str:
    return pane.forwarded.text().replace("\u200b", "")


def test_a_forward_shows_its_target_status_and_time(qtbot: QtBot) -> None:
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show()
    pane.show_detail(forwarded(Forwarding(TARGET, 500, 12.4, "", True)), QImage())
    assert pane.forwarded.isVisible() and pane.forwarded_title.isVisible()
    shown = text(pane)
    assert TARGET in shown and "answered 500" in shown and "in 12 ms" in shown
    assert "relayed to the sender" in shown


def test_a_failed_forward_shows_why_and_no_forward_hides_the_section(qtbot: QtBot) -> None:
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show()
    timed_out = Forwarding(TARGET, None, 5001.0, "forward timed out after 5 s", False)
    pane.show_detail(forwarded(timed_out), QImage())
    assert "forward timed out after 5 s" in text(pane) and "relayed" not in text(pane)
    pane.show_detail(forwarded(None), QImage())
    assert not pane.forwarded.isVisible() and not pane.forwarded_title.isVisible()
    assert text(pane) == ""
    pane.show_detail(None, QImage())
    assert not pane.forwarded_title.isVisible()
