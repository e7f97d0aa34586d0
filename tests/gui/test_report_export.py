"""File > Export report… and File > Export diagnostic bundle…: after a session in the window,
each writes its file on a worker (the dialog patched to answer a path) and the status bar says
where it went; a failure says why, in the status bar, without a crash; the form's secret key
is in neither."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from capture.cli import headless
from capture.cli.exits import Exit
from capture.cli.flags import parse_args
from capture.journal.reader import RowKind, Status
from gui import controller as controller_module
from gui.app import App

AppFactory = Callable[..., App]
CloseApp = Callable[[App], list[str]]
ROWS_TIMEOUT_MS = 20_000
WRITE_TIMEOUT_MS = 30_000  # matplotlib's first import on a busy machine
SECRET = "never-in-the-report-" + "x" * 12


def verified(app: App) -> list[str]:
    model = app.window.timeline.model
    rows = [model.row_at(i) for i in range(model.rowCount())]
    return [r.object_key for r in rows if r.kind is RowKind.SHOT and r.status is Status.VERIFIED]


def file_action(app: App, name: str) -> None:
    """Trigger the File menu's entry `name`, as a click on it would."""
    for top in app.window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu) and top.text().replace("&", "") == "File":
            found = [a for a in menu.actions() if a.objectName() == name]
            assert found, f"File has no {name}"
            found[0].trigger()
            return
    raise AssertionError("no File menu")


def test_export_report_and_bundle_from_the_file_menu(
    qtbot: QtBot,
    make_app: AppFactory,
    close_app: CloseApp,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report = tmp_path / "out" / "session"  # typed without .html: it is added
    bundle = tmp_path / "out" / "ticket.zip"
    report.parent.mkdir()
    monkeypatch.setattr(controller_module, "choose_report_file", lambda _parent: str(report))
    monkeypatch.setattr(controller_module, "choose_bundle_file", lambda _parent: str(bundle))
    app = make_app("--autostart", "--interval", "1")
    window = app.window
    qtbot.waitUntil(lambda: len(verified(app)) >= 2, timeout=ROWS_TIMEOUT_MS)
    window.form.storage.secret_key.setText(SECRET)
    bar = window.statusBar()
    keys = verified(app)  # journaled before the report reads the journal

    file_action(app, "export_report")
    html = report.with_name("session.html")
    qtbot.waitUntil(
        lambda: "Report of session 1 written to" in bar.currentMessage(), timeout=WRITE_TIMEOUT_MS
    )
    assert str(html) in bar.currentMessage() and "session.json" in bar.currentMessage()
    page = html.read_text("utf-8")
    assert "<svg" in page and "<script" not in page
    assert all(key in page for key in keys)
    assert SECRET not in page
    twin = json.loads(html.with_suffix(".json").read_text("utf-8"))
    assert twin["session"]["id"] == 1

    file_action(app, "export_bundle")
    qtbot.waitUntil(
        lambda: f"Diagnostic bundle of session 1 written to {bundle}" in bar.currentMessage(),
        timeout=WRITE_TIMEOUT_MS,
    )
    with zipfile.ZipFile(bundle) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    assert {"report.html", "report.json", "shothook.log", "exchanges.har"} <= set(contents)
    assert all(SECRET.encode() not in data for data in contents.values())
    assert close_app(app) == []


def test_a_report_that_cannot_be_written_says_why_in_the_status_bar(
    qtbot: QtBot,
    make_app: AppFactory,
    close_app: CloseApp,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    target = blocker / "report.html"  # its folder is a file
    monkeypatch.setattr(controller_module, "choose_report_file", lambda _parent: str(target))
    app = make_app("--autostart", "--interval", "1")
    qtbot.waitUntil(lambda: len(verified(app)) >= 1, timeout=ROWS_TIMEOUT_MS)
    file_action(app, "export_report")
    bar = app.window.statusBar()
    qtbot.waitUntil(
        lambda: "Cannot write the report" in bar.currentMessage(), timeout=WRITE_TIMEOUT_MS
    )
    assert f"the folder {blocker} does not exist" in bar.currentMessage()
    assert not target.exists()
    assert close_app(app) == []


def test_cancelling_the_dialog_writes_nothing(
    qtbot: QtBot,
    make_app: AppFactory,
    close_app: CloseApp,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(controller_module, "choose_report_file", lambda _parent: "")
    monkeypatch.setattr(controller_module, "choose_bundle_file", lambda _parent: "")
    app = make_app()
    file_action(app, "export_report")
    file_action(app, "export_bundle")
    assert app.window.statusBar().currentMessage() == ""
    assert list(tmp_path.rglob("*.html")) == [] and list(tmp_path.rglob("*.zip")) == []
    assert close_app(app) == []


def test_the_report_is_of_the_session_the_session_filter_shows(
    qtbot: QtBot,
    make_app: AppFactory,
    close_app: CloseApp,
    data_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    earlier = [
        *("--headless", "--data-dir", str(data_path), "--source", "synthetic"),
        *("--count", "2", "--interval", "1", "--webhook-port", "0"),
    ]
    assert headless.run(parse_args(earlier), stderr=io.StringIO()) == Exit.OK  # session 1
    report = tmp_path / "one.html"
    monkeypatch.setattr(controller_module, "choose_report_file", lambda _parent: str(report))
    app = make_app("--autostart", "--interval", "1")  # session 2
    box = app.window.timeline.session_box
    qtbot.waitUntil(lambda: box.findData(2) >= 0 and box.findData(1) >= 0, timeout=ROWS_TIMEOUT_MS)
    box.setCurrentIndex(box.findData(1))
    box.activated.emit(box.findData(1))
    file_action(app, "export_report")
    bar = app.window.statusBar()
    qtbot.waitUntil(
        lambda: "Report of session 1 written to" in bar.currentMessage(), timeout=WRITE_TIMEOUT_MS
    )
    twin = json.loads(report.with_suffix(".json").read_text("utf-8"))
    assert twin["session"]["id"] == 1 and len(twin["rows"]) == 2
    assert close_app(app) == []


def test_a_report_before_any_session_says_there_is_none(
    qtbot: QtBot,
    make_app: AppFactory,
    close_app: CloseApp,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "r.html"
    monkeypatch.setattr(controller_module, "choose_report_file", lambda _parent: str(target))
    app = make_app()  # no capture: the journal has no session
    bar = app.window.statusBar()
    said: list[str] = []
    bar.messageChanged.connect(said.append)  # the source going live at start-up may follow it
    file_action(app, "export_report")
    qtbot.waitUntil(
        lambda: any("Cannot write the report: Session: no such session" in m for m in said),
        timeout=WRITE_TIMEOUT_MS,
    )
    assert any("it has none yet" in m for m in said), said
    assert not target.exists()
    assert close_app(app) == []
