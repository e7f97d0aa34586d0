"""File > Clear history… and File > Use a fresh data folder…, in the real window: the
confirmation counts the rows that go and stay, a waiting shot is never deleted, and the window
opens again on the folder picked (run_window's loop does it with the same switched_args)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from capture.cli.flags import parse_args
from capture.journal.writer import Journal, NewShot
from capture.paths import DataDir
from capture.settings.store import SessionSecrets
from gui import history
from gui.app import App, build, switched_args

AppFactory = Callable[..., App]
CloseApp = Callable[[App], list[str]]
TIMEOUT_MS = 15_000
SID = "2" * 32


def write(path: Path) -> None:
    """Two finished sessions of two delivered shots each, then one with a shot still waiting
    to upload; every session stopped."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    journal = Journal(path)
    tick = 0
    for delivered in (True, True, False):
        session = journal.start_session(source="t", storage="local", callback_url="", settings={})
        for _ in range(2 if delivered else 1):
            tick += 1
            utc = f"202501010000{tick:02d}000"
            shot = journal.add_shot(
                NewShot(
                    session_id=session,
                    tick=tick,
                    sid=SID,
                    uid=1001,
                    channel="c",
                    object_key=f"20250101/{SID}_c__uid_s_1001__uid_e_video_{utc}.jpg",
                    captured_utc=utc,
                    code=200,
                    msg="Supervise complete",
                    spool_path="/nonexistent/x.jpg",
                )
            )
            if delivered:
                journal.upload_succeeded(shot, "/srv/x.jpg", 1.0)
                journal.notification_created(shot, f"r{tick}", "{}", "http://h/cb")
                journal.notify_finished(shot, delivered=True)
        journal.stop_session(session)
    journal.close()


@pytest.fixture
def app(make_app: AppFactory, data_path: Path, qtbot: QtBot) -> App:
    write(data_path / "journal.sqlite3")
    app = make_app()
    qtbot.waitUntil(lambda: app.window.timeline.model.rowCount() == 5, timeout=TIMEOUT_MS)
    return app


def dialog(qtbot: QtBot, app: App, title: str) -> QMessageBox:
    qtbot.waitUntil(
        lambda: (
            app.controller.last_dialog is not None
            and app.controller.last_dialog.windowTitle() == title
            and app.controller.last_dialog.isVisible()
        ),
        timeout=TIMEOUT_MS,
    )
    box = app.controller.last_dialog
    assert box is not None
    return box


def button(box: QMessageBox, text: str) -> None:
    found = [b for b in box.buttons() if b.text().replace("&", "") == text]
    assert found, [b.text() for b in box.buttons()]
    found[0].click()


def test_clear_history_says_what_goes_and_stays_and_keeps_the_waiting_shot(
    qtbot: QtBot, app: App, close_app: CloseApp
) -> None:
    app.window.commands["clear_history"].trigger()
    box = dialog(qtbot, app, history.CLEAR_TITLE)
    assert box.text() == "Clear 4 rows from the history?"
    assert "1 row stay: 1 shot still waiting to upload or notify" in box.informativeText()
    button(box, "Cancel")
    assert app.engine.history_counts().going == 4  # cancelled: nothing went

    app.window.commands["clear_history"].trigger()
    button(dialog(qtbot, app, history.CLEAR_TITLE), "Clear history")
    model = app.window.timeline.model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=TIMEOUT_MS)
    assert model.row_at(0).upload_state is not None and model.row_at(0).uploaded_at == ""
    bar = app.window.statusBar()
    qtbot.waitUntil(lambda: "History cleared: 2 sessions, 4 shots" in bar.currentMessage())

    app.window.commands["clear_history"].trigger()  # nothing left to clear: it says so
    box = dialog(qtbot, app, history.CLEAR_TITLE)
    assert box.text().startswith("Nothing to clear")
    box.close()
    assert close_app(app) == []


def test_a_fresh_data_folder_reopens_the_window_there_with_the_settings(
    qtbot: QtBot,
    app: App,
    data_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fresh = tmp_path / "fresh"
    monkeypatch.setattr(history, "choose_data_folder", lambda _parent: str(fresh))
    app.window.form.capture.channel.setText("moved-room")
    app.window.commands["fresh_data_folder"].trigger()
    box = dialog(qtbot, app, history.SWITCH_TITLE)
    assert str(fresh) in box.text() and str(data_path) in box.informativeText()
    with qtbot.waitSignal(app.controller.closed, timeout=TIMEOUT_MS):
        button(box, "Switch")
    assert app.controller.next_data_dir == fresh
    assert not app.window.isVisible()

    old = parse_args(["--data-dir", str(data_path), "--webhook-port", "0", "--autostart"])
    args = switched_args(old, DataDir.resolve(data_path), fresh)
    assert args.data_dir == str(fresh) and not args.autostart
    saved = json.loads((fresh / "settings.json").read_text())
    assert "moved-room" in json.dumps(saved)
    reopened = build(args, SessionSecrets())
    try:
        assert reopened.engine.data_dir.root == fresh
        assert reopened.window.form.capture.channel.text() == "moved-room"
        qtbot.waitUntil(lambda: reopened.engine.history_counts().staying == 0)
        assert reopened.window.timeline.model.rowCount() == 0  # its own, empty journal
    finally:
        with qtbot.waitSignal(reopened.controller.closed, timeout=TIMEOUT_MS):
            reopened.window.close()
    assert (data_path / "journal.sqlite3").is_file()  # the old folder stays as it was


@pytest.mark.parametrize("kind", ["same", "other files", "a file"])
def test_a_folder_that_cannot_be_the_data_folder_is_refused(
    qtbot: QtBot,
    app: App,
    close_app: CloseApp,
    data_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    target = {"same": data_path, "other files": tmp_path / "docs", "a file": tmp_path / "f"}[kind]
    if kind == "other files":
        target.mkdir()
        (target / "notes.txt").write_text("mine")
    if kind == "a file":
        target.write_text("x")
    monkeypatch.setattr(history, "choose_data_folder", lambda _parent: str(target))
    app.window.commands["fresh_data_folder"].trigger()
    box = dialog(qtbot, app, "Cannot use this folder")
    assert box.text().startswith("Data folder:")
    box.close()
    assert app.controller.next_data_dir is None
    assert close_app(app) == []
