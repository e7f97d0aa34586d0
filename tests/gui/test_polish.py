"""The small things that make the window feel finished: copy buttons that say "Copied" and are
disabled with nothing to copy, an empty detail pane that keeps nothing of the last row, counter
pills that filter, and a start that brings the newest row into view."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from capture.journal.reader import Counters, Detail, Status, StatusGroup
from gui.app import App
from gui.main_window import RunState
from gui.timeline.detail import COPIED, COPIED_MS, NO_ROW_SUMMARY, NO_ROW_TITLE, DetailPane
from gui.timeline.model import TimelineModel
from gui.timeline.view import TimelinePanel
from tests.gui.conftest import AppFactory, CloseApp
from tests.gui.test_detail_pane import detail
from tests.gui.test_timeline_model import row as timeline_row
from tests.gui.test_window import ROWS_TIMEOUT_MS, verified_rows

COPIED_WAIT_MS = COPIED_MS + 3000  # the label returns after COPIED_MS; slack for a busy machine
STOP_TIMEOUT_MS = 15_000


def pane_with(qtbot: QtBot, shown: Detail | None) -> DetailPane:
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show_detail(shown, QImage())
    return pane


def test_a_copy_button_says_copied_then_returns_to_its_label(qtbot: QtBot) -> None:
    pane = pane_with(qtbot, detail(3))
    QGuiApplication.clipboard().setText("before")
    pane.copy_key.click()
    assert QGuiApplication.clipboard().text() == "20250101/key3.jpg"
    assert pane.copy_key.text() == COPIED
    assert pane.copy_payload.text() == "Payload"  # only the button pressed says it
    qtbot.waitUntil(lambda: pane.copy_key.text() == "Key", timeout=COPIED_WAIT_MS)


def test_copying_another_field_moves_the_copied_mark(qtbot: QtBot) -> None:
    pane = pane_with(qtbot, detail(3))
    pane.copy_key.click()
    pane.copy_payload.click()
    assert QGuiApplication.clipboard().text() == '{"n": 3}'
    assert (pane.copy_key.text(), pane.copy_payload.text()) == ("Key", COPIED)
    qtbot.waitUntil(lambda: pane.copy_payload.text() == "Payload", timeout=COPIED_WAIT_MS)


def test_copy_buttons_are_disabled_when_there_is_nothing_to_copy(qtbot: QtBot) -> None:
    bare = detail(4)
    bare = replace(bare, row=replace(bare.row, object_key="", upload_location=""), payload_sent="")
    pane = pane_with(qtbot, bare)
    assert not pane.copy_key.isEnabled()
    assert not pane.copy_url.isEnabled()
    assert not pane.copy_payload.isEnabled()
    QGuiApplication.clipboard().setText("kept")
    pane.copy_key.click()  # a disabled button does nothing
    assert QGuiApplication.clipboard().text() == "kept"

    pane.show_detail(
        replace(detail(5), row=replace(detail(5).row, upload_location="/tmp/a.jpg")), QImage()
    )
    assert pane.copy_key.isEnabled() and pane.copy_url.isEnabled()
    assert pane.copy_payload.isEnabled()
    pane.copy_url.click()
    assert QGuiApplication.clipboard().text() == "file:///tmp/a.jpg"


def test_no_row_disables_every_copy_button(qtbot: QtBot) -> None:
    pane = pane_with(qtbot, detail(1))
    assert pane.copy_key.isEnabled()
    pane.show_detail(None, QImage())
    assert not any(b.isEnabled() for b in (pane.copy_key, pane.copy_url, pane.copy_payload))


def test_no_row_selected_clears_the_whole_pane(qtbot: QtBot) -> None:
    pane = pane_with(qtbot, detail(1, error="slow down"))
    pane.show()
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(0)
    pane.show_detail(detail(2, error="slow down"), image)
    assert pane.summary.text() == "verified"
    assert not pane.image.pixmap().isNull()
    pane.copy_key.click()

    pane.show_detail(None, QImage())
    assert pane.title.text() == NO_ROW_TITLE
    assert pane.summary.text() == NO_ROW_SUMMARY  # not the last row's subtitle
    assert not pane.pill.isVisible()
    assert pane.fact_rows() == []
    assert pane.image.pixmap().isNull() and not pane.image.isVisible()
    assert pane.sent.toPlainText() == "" and pane.received.toPlainText() == ""
    assert pane.attempts.text() == "" and pane.callbacks.text() == ""
    assert not pane.payloads.isVisible()
    assert pane.copy_key.text() == "Key"  # the mark of a copy from the last row is gone
    shown = [label.text() for label in pane.findChildren(QLabel) if label.isVisible()]
    assert shown == [NO_ROW_TITLE, NO_ROW_SUMMARY]  # no heading left over an empty section


def panel_with_rows(qtbot: QtBot) -> TimelinePanel:
    model = TimelineModel()
    panel = TimelinePanel(model)
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    model.apply(
        [
            timeline_row(1, Status.VERIFIED),
            timeline_row(2, Status.FAILED),
            timeline_row(3, Status.UPLOADING),
            timeline_row(4, Status.NO_SHOT),
            timeline_row(5, Status.RETRYING),
        ]
    )
    panel.set_counters(Counters(shots=5, uploaded=1, failures=2, pending=2, rows=5))
    return panel


def shown_ids(panel: TimelinePanel) -> list[int]:
    proxy, model = panel.proxy, panel.model
    rows = (
        model.row_at(proxy.mapToSource(proxy.index(r, 0)).row()) for r in range(proxy.rowCount())
    )
    return [r.id for r in rows if r is not None]


def checked_filter(panel: TimelinePanel) -> str:
    button = panel.filter_group.checkedButton()
    assert button is not None
    return button.text()


def click(widget: QWidget) -> None:
    """A left click in the middle of `widget`, as the pointer makes it (press and release)."""
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_clicking_a_counter_pill_shows_its_filter(qtbot: QtBot) -> None:
    panel = panel_with_rows(qtbot)
    asked: list[StatusGroup | None] = []
    panel.filter_changed.connect(asked.append)
    assert shown_ids(panel) == [5, 4, 3, 2, 1]

    click(panel.counters["failures"])
    assert panel.model.group is StatusGroup.FAILED
    assert checked_filter(panel) == "Failed"
    assert shown_ids(panel) == [4, 2]

    click(panel.counters["pending"])
    assert checked_filter(panel) == "Pending"
    assert shown_ids(panel) == [5, 3]

    click(panel.counters["shots"])
    assert checked_filter(panel) == "All"
    assert shown_ids(panel) == [5, 4, 3, 2, 1]
    assert asked == [StatusGroup.FAILED, StatusGroup.PENDING, None]  # the feed reads each anew


def test_the_counters_that_do_not_filter_do_nothing_and_do_not_look_clickable(
    qtbot: QtBot,
) -> None:
    panel = panel_with_rows(qtbot)
    click(panel.counters["failures"])
    for name in ("uploaded", "notified", "callbacks"):
        pill = panel.counters[name]
        click(pill)
        assert checked_filter(panel) == "Failed"  # unchanged
        assert pill.cursor().shape() is Qt.CursorShape.ArrowCursor
        assert not pill.testAttribute(Qt.WidgetAttribute.WA_Hover)
        assert pill.toolTip() == ""
    for name in ("shots", "failures", "pending"):
        pill = panel.counters[name]
        assert pill.cursor().shape() is Qt.CursorShape.PointingHandCursor
        assert pill.toolTip().startswith("Click to show")
    assert shown_ids(panel) == [4, 2]


def newest_id(app: App) -> int:
    newest = app.window.timeline.model.row_at(0)
    return newest.id if newest is not None else -1


def test_starting_a_capture_jumps_the_timeline_to_the_newest_row(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp
) -> None:
    app = make_app("--autostart", "--interval", "1")
    timeline = app.window.timeline
    qtbot.waitUntil(lambda: len(verified_rows(app)) >= 3, timeout=ROWS_TIMEOUT_MS)
    app.window.start_button.click()  # Stop
    qtbot.waitUntil(lambda: app.window.state is RunState.IDLE, timeout=STOP_TIMEOUT_MS)
    timeline.select_row(timeline.proxy.rowCount() - 1)  # the user looks at the oldest row
    assert not timeline.follow.isChecked()
    bar = timeline.table.verticalScrollBar()
    bar.setValue(bar.maximum())
    last_before = newest_id(app)

    app.window.start_button.click()
    assert timeline.follow.isChecked()
    assert bar.value() == 0
    assert timeline.current_row() == timeline.model.row_at(0)
    # the next session's shots are shown and selected as they arrive
    qtbot.waitUntil(lambda: newest_id(app) > last_before, timeout=ROWS_TIMEOUT_MS)
    qtbot.waitUntil(lambda: timeline.current_row() == timeline.model.row_at(0))
    assert close_app(app) == []


def test_the_edit_menus_copy_items_follow_the_detail_panes_buttons(
    qtbot: QtBot, make_app: AppFactory
) -> None:
    app = make_app()
    window = app.window
    items = [window.commands[f"copy_{what}"] for what in ("url", "key", "payload")]
    assert not any(item.isEnabled() for item in items)  # no row selected yet
    shown = replace(detail(5), row=replace(detail(5).row, upload_location="/tmp/a.jpg"))
    window.detail.show_detail(shown, QImage())
    assert all(item.isEnabled() for item in items)
    bare = replace(shown, row=replace(shown.row, upload_location=""))
    window.detail.show_detail(bare, QImage())
    assert not window.commands["copy_url"].isEnabled()  # as its button: nothing to copy
    assert window.commands["copy_key"].isEnabled()
    window.detail.show_detail(None, QImage())
    assert not any(item.isEnabled() for item in items)
