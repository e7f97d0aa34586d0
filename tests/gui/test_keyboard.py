"""The window from the keyboard: Tab leaves the timeline, arrows move its selection, every
declared shortcut does what its action says, the menus and the F1 sheet list every action,
Ctrl+E exports the rows shown, and the README's Keyboard table is the one gui/actions.py makes."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from capture.journal.reader import RowKind, Status, StatusGroup, TimelineRow
from gui import controller as controller_module
from gui.actions import ACTIONS, BY_NAME, key_text, keyboard_table
from gui.app import App
from gui.banners import Kind
from gui.main_window import RunState
from gui.timeline.export import COLUMNS, rows_csv, without_credentials
from gui.timeline.model import TimelineModel
from gui.timeline.view import TimelinePanel

AppFactory = Callable[..., App]
CloseApp = Callable[[App], list[str]]
ROWS_TIMEOUT_MS = 20_000
README = Path(__file__).resolve().parents[2] / "README.md"
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def shot(n: int, status: Status = Status.VERIFIED) -> TimelineRow:
    return TimelineRow(
        kind=RowKind.SHOT,
        id=n,
        seq=n,
        when=T0 + timedelta(seconds=n),
        object_key=f"20250101/key{n}.jpg",
        request_id=f"req-{n}",
        code=200,
        msg="Supervise complete",
        status=status,
        summary=f"{status.value} for shot {n}",
        size=1000,
    )


def press(window: QWidget, name: str) -> None:
    """Type the declared action's shortcut into the window, as a user would."""
    QTest.keySequence(QApplication.focusWidget() or window, QKeySequence(BY_NAME[name].shortcut))


def active(qtbot: QtBot, window: QWidget) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def shots(app: App) -> list[TimelineRow]:
    model = app.window.timeline.model
    return [model.row_at(r) for r in range(model.rowCount())]


def verified(app: App) -> list[TimelineRow]:
    return [r for r in shots(app) if r.status is Status.VERIFIED]


# -- the table ------------------------------------------------------------------------------


@pytest.fixture
def panel(qtbot: QtBot) -> TimelinePanel:
    model = TimelineModel()
    panel = TimelinePanel(model)
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    model.apply([shot(n) for n in range(1, 6)])
    active(qtbot, panel)
    return panel


def test_tab_leaves_the_timeline_without_changing_the_selected_row(
    qtbot: QtBot, panel: TimelinePanel
) -> None:
    panel.follow.setChecked(False)
    panel.select_row(2)
    panel.table.setFocus()
    qtbot.waitUntil(panel.table.hasFocus)
    QTest.keyClick(panel.table, Qt.Key.Key_Tab)
    assert not panel.table.hasFocus()
    assert QApplication.focusWidget() is not None
    assert panel.table.currentIndex().row() == 2  # Tab walked no cell


def test_arrow_keys_move_the_selected_row(qtbot: QtBot, panel: TimelinePanel) -> None:
    panel.follow.setChecked(False)
    panel.select_row(0)
    panel.table.setFocus()
    QTest.keyClick(panel.table, Qt.Key.Key_Down)
    QTest.keyClick(panel.table, Qt.Key.Key_Down)
    assert [i.row() for i in panel.table.selectionModel().selectedRows()] == [2]
    QTest.keyClick(panel.table, Qt.Key.Key_Up)
    assert panel.current_row() == panel.model.row_at(1)
    selected = panel.table.selectionModel().selectedIndexes()
    assert {i.column() for i in selected} == set(range(panel.proxy.columnCount()))  # whole row


def test_the_search_shows_the_rows_whose_key_request_id_or_status_holds_the_text(
    qtbot: QtBot, panel: TimelinePanel
) -> None:
    panel.model.apply([shot(6, Status.FAILED), shot(7, Status.UPLOADING)])
    QTest.keyClicks(panel.search, "KEY3")  # any case
    assert [r.id for r in panel.shown_rows()] == [3]
    panel.search.setText("req-4")
    assert [r.id for r in panel.shown_rows()] == [4]
    panel.search.setText("failed")
    assert [r.id for r in panel.shown_rows()] == [6]
    panel.set_filter(StatusGroup.PENDING)
    panel.search.setText("key")
    assert [r.id for r in panel.shown_rows()] == [7]  # the filter and the search together
    panel.search.setText("pending")  # the group's name is not searched, only the status text
    assert panel.shown_rows() == []
    assert panel.empty.isVisible()
    panel.set_filter(None)
    panel.search.clear()
    assert len(panel.shown_rows()) == 7


# -- the window's shortcuts -----------------------------------------------------------------


def test_f5_starts_capture_to_local_storage_and_shift_f5_stops_it(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp
) -> None:
    app = make_app("--interval", "1")
    window = app.window
    active(qtbot, window)
    assert window.state is RunState.IDLE
    press(window, "start")
    qtbot.waitUntil(lambda: window.state is RunState.RUNNING, timeout=ROWS_TIMEOUT_MS)
    qtbot.waitUntil(lambda: len(verified(app)) >= 1, timeout=ROWS_TIMEOUT_MS)
    stored = Path(verified(app)[0].upload_location)
    assert stored.is_file() and stored.is_relative_to(app.engine.data_dir.storage)
    assert not window.commands["start"].isEnabled()  # F5 again does nothing while running
    press(window, "stop")
    qtbot.waitUntil(lambda: window.state is RunState.IDLE, timeout=15_000)
    assert app.engine.session is None
    assert close_app(app) == []


def test_filter_search_and_copy_shortcuts_act_on_the_timeline(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp
) -> None:
    app = make_app("--autostart", "--interval", "1")
    window = app.window
    timeline = window.timeline
    qtbot.waitUntil(lambda: len(verified(app)) >= 2, timeout=ROWS_TIMEOUT_MS)
    active(qtbot, window)

    for name, group, button in (
        ("filter_failed", StatusGroup.FAILED, 1),
        ("filter_pending", StatusGroup.PENDING, 2),
        ("filter_all", None, 0),
    ):
        press(window, name)
        assert timeline.proxy.group is group
        assert timeline.filter_group.checkedId() == button

    press(window, "search")
    assert QApplication.focusWidget() is timeline.search
    row = verified(app)[-1]
    QTest.keyClicks(timeline.search, row.request_id)
    assert [r.key for r in timeline.shown_rows()] == [row.key]

    timeline.follow.setChecked(False)
    timeline.select_row(0)
    pane = window.detail
    qtbot.waitUntil(lambda: pane.detail is not None and pane.detail.row.id == row.id)
    clipboard = QGuiApplication.clipboard()
    press(window, "copy_key")
    assert clipboard.text() == row.object_key
    press(window, "copy_url")
    assert clipboard.text().startswith("file://") and clipboard.text().endswith(row.object_key)
    press(window, "copy_payload")
    assert f'"requestId": "{row.request_id}"' in clipboard.text().replace('":"', '": "')
    assert close_app(app) == []


def test_ctrl_e_exports_the_rows_shown_to_a_csv_file(
    qtbot: QtBot,
    make_app: AppFactory,
    close_app: CloseApp,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "export" / "rows.csv"
    monkeypatch.setattr(controller_module, "choose_export_file", lambda _parent: str(target))
    app = make_app("--autostart", "--interval", "1")
    window = app.window
    qtbot.waitUntil(lambda: len(verified(app)) >= 3, timeout=ROWS_TIMEOUT_MS)
    window.form.storage.secret_key.setText("never-in-the-export")
    keep = verified(app)[:2]
    window.timeline.search.setText(keep[0].request_id)  # only this row is shown
    active(qtbot, window)
    press(window, "export")
    qtbot.waitUntil(target.is_file, timeout=10_000)
    qtbot.waitUntil(lambda: "Exported 1 rows" in window.statusBar().currentMessage())

    text = target.read_text(encoding="utf-8")
    lines = list(csv.reader(text.splitlines()))
    assert lines[0] == [name for name, _ in COLUMNS]
    assert [line[5:7] for line in lines[1:]] == [[keep[0].object_key, keep[0].request_id]]
    assert lines[1][3] == "Verified"
    assert "never-in-the-export" not in text
    assert close_app(app) == []


def test_an_export_never_writes_a_password_from_a_storage_url() -> None:
    row = shot(1)
    leaky = replace(row, upload_location="https://AKIA:hunter2@minio:9000/b/k")
    assert without_credentials(leaky.upload_location) == "https://minio:9000/b/k"
    text = rows_csv([leaky])
    assert "hunter2" not in text and "AKIA" not in text
    assert "https://minio:9000/b/k" in text


# -- menus, tooltips, the F1 sheet, the README ------------------------------------------------


def _menu_actions(app: App) -> dict[str, tuple[str, QAction]]:
    """Each action in the menu bar by name, with its menu's title."""
    found: dict[str, tuple[str, QAction]] = {}
    for top in app.window.menuBar().actions():
        menu = top.menu()
        assert isinstance(menu, QMenu)
        for action in menu.actions():
            found[action.objectName()] = (menu.title(), action)
    return found


def test_the_menus_hold_every_action_with_its_shortcut(
    make_app: AppFactory, close_app: CloseApp
) -> None:
    app = make_app()
    found = _menu_actions(app)
    assert set(found) == {spec.name for spec in ACTIONS}
    for spec in ACTIONS:
        title, action = found[spec.name]
        assert title == spec.menu.value
        assert action.text() == spec.text
        assert action.shortcut().toString() == spec.shortcut
        assert action.shortcut().toString(QKeySequence.SequenceFormat.NativeText) == key_text(spec)
    assert {top.text() for top in app.window.menuBar().actions()} >= {
        "&File",
        "&Capture",
        "&View",
        "&Help",
    }
    assert close_app(app) == []


def test_the_controls_tooltips_show_their_shortcuts(
    make_app: AppFactory, close_app: CloseApp
) -> None:
    app = make_app()
    w = app.window
    assert w.start_button.toolTip().endswith("(F5)")
    assert [b.toolTip()[-8:] for b in w.timeline.filter_group.buttons()] == [
        "(Ctrl+1)",
        "(Ctrl+2)",
        "(Ctrl+3)",
    ]
    assert w.timeline.search.toolTip().endswith("(Ctrl+F)")
    assert w.detail.copy_url.toolTip().endswith("(Ctrl+Shift+C)")
    assert w.detail.copy_key.toolTip().endswith("(Ctrl+Shift+K)")
    assert w.detail.copy_payload.toolTip().endswith("(Ctrl+Shift+P)")
    assert close_app(app) == []


def test_f1_shows_a_sheet_listing_every_action(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp
) -> None:
    app = make_app()
    active(qtbot, app.window)
    press(app.window, "shortcuts")
    qtbot.waitUntil(
        lambda: (
            app.controller.shortcuts_sheet is not None
            and app.controller.shortcuts_sheet.isVisible()
        )
    )
    sheet = app.controller.shortcuts_sheet
    assert sheet is not None
    assert sheet.rows() == [
        (key_text(spec) or "—", spec.menu.replace("&", ""), spec.label, spec.tip)
        for spec in ACTIONS
    ]
    sheet.close()
    assert close_app(app) == []


def test_the_view_menu_hides_and_shows_the_side_panes(
    make_app: AppFactory, close_app: CloseApp
) -> None:
    """The View menu works the header's pane toggles (gui/panes.py): both may hide; shown
    again, they sit side by side where the window is wide enough, else the last asked for
    shows; the menu's checks always say what is shown."""
    app = make_app()
    w = app.window
    menu, panes = w.commands, w.panes

    def agree() -> bool:
        return all(
            menu[name].isChecked() == twin.isChecked()
            for name, twin in (
                ("show_settings", panes.show_settings),
                ("show_detail", panes.show_detail),
            )
        )

    for name in ("show_settings", "show_detail"):
        if menu[name].isChecked():
            menu[name].trigger()
    assert not panes.show_settings.isChecked() and not panes.show_detail.isChecked()
    assert agree()
    menu["show_detail"].trigger()
    assert panes.show_detail.isChecked() and agree()
    menu["show_settings"].trigger()
    assert panes.show_settings.isChecked() and agree()  # the last asked for is always shown
    assert close_app(app) == []


def test_the_readme_lists_every_shortcut_as_gui_actions_declares_it() -> None:
    assert keyboard_table() in README.read_text(encoding="utf-8")
    assert all(f"| {s.shortcut} |" in keyboard_table() for s in ACTIONS if s.shortcut)


def test_every_kind_of_control_draws_a_focus_ring(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp
) -> None:
    app = make_app()
    w = app.window
    active(qtbot, w)
    w.form.setCurrentIndex(2)  # the Webhook tab: its check box is on screen
    banner = w.banners.put("test", Kind.ERROR, "Something failed", details="a traceback")
    controls: list[QWidget | None] = [
        w.start_button,
        w.picker.refresh,
        w.picker.combo,
        w.timeline.filter_group.button(1),
        w.timeline.search,
        w.timeline.table,
        w.form.tabBar(),
        w.form.webhook.reject,
        w.form.webhook.callback_url,
        banner.details_button,
        banner.findChild(QToolButton),  # flat: dismiss
    ]
    blind: list[str] = []
    for control in controls:
        assert control is not None
        elsewhere = w.picker.combo if control is w.start_button else w.start_button
        elsewhere.setFocus()
        qtbot.waitUntil(elsewhere.hasFocus)
        before = control.grab().toImage()
        control.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(control.hasFocus)
        after = control.grab().toImage()
        assert after.size() == before.size(), control  # focus moves nothing
        if after == before:
            blind.append(control.accessibleName())
    assert blind == []  # the controls that look the same with and without the focus
    assert close_app(app) == []
