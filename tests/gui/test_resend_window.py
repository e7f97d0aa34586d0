"""Resend in the window: the detail pane's button and the timeline row's menu send a shot's
notification again on a worker (a recording webhook on loopback receives it byte for byte) and
the row shows it; Edit and resend checks the JSON, recomputes the checksum unless unticked,
and shows the body exactly as sent."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from capture.cli import headless
from capture.cli.exits import Exit
from capture.cli.flags import parse_args
from capture.spec.payload import checksum
from gui.app import App
from gui.timeline.model import Column
from tests.support.recorders import Recorder, recorders

__all__ = ["recorders"]  # the fixture, imported for pytest

AppFactory = Callable[..., App]
WAIT_MS = 20_000


@pytest.fixture
def notified(data_path: Path, recorders: tuple[Recorder, Recorder]) -> tuple[bytes, str]:
    """The data folder holds one shot, notified to the first recorder: its body, requestId."""
    first, _ = recorders
    args = parse_args(
        [
            *("--headless", "--source", "synthetic", "--interval", "1", "--count", "1"),
            *("--data-dir", str(data_path), "--callback-url", first.url),
        ]
    )
    assert headless.run(args, stderr=io.StringIO()) == Exit.OK
    [body] = first.bodies
    first.bodies.clear()
    return body, json.loads(body)["requestId"]


def shot_shown(qtbot: QtBot, app: App) -> None:
    """The journal's one row selected and in the detail pane, ready to resend."""
    timeline = app.window.timeline
    qtbot.waitUntil(lambda: timeline.model.rowCount() == 1, timeout=WAIT_MS)
    timeline.select_row(0)
    qtbot.waitUntil(app.window.commands["resend"].isEnabled, timeout=WAIT_MS)


def test_the_detail_panes_resend_sends_the_identical_body_and_shows_it(
    qtbot: QtBot,
    make_app: AppFactory,
    close_app: Callable[[App], list[str]],
    notified: tuple[bytes, str],
    recorders: tuple[Recorder, Recorder],
) -> None:
    body, request_id = notified
    first, _ = recorders
    app = make_app()
    crashes: list[str] = []
    app.reporter.crashed.connect(lambda where, message, _trace: crashes.append(where + message))
    assert not app.window.detail.resend_button.isEnabled()  # no row shown yet
    shot_shown(qtbot, app)
    app.window.detail.resend_button.click()
    qtbot.waitUntil(lambda: first.bodies == [body], timeout=WAIT_MS)
    pane = app.window.detail

    def resent() -> bool:
        return pane.detail is not None and [r.delivered for r in pane.detail.row.resends] == [True]

    qtbot.waitUntil(resent, timeout=WAIT_MS)
    assert pane.resent.toPlainText() == body.decode()  # exactly as sent
    assert "delivered" in pane.resends.text() and first.url in pane.resends.text()
    message = app.window.statusBar().currentMessage()
    assert f"resent requestId {request_id} to {first.url}" in message
    model = app.window.timeline.model
    qtbot.waitUntil(
        lambda: "↻ ✓ 200" in str(model.data(model.index(0, Column.NOTIFY))), timeout=WAIT_MS
    )
    assert close_app(app) == []
    assert crashes == []  # closing after a resend reaches no loop it left behind


def test_the_rows_menu_offers_resend_and_edit(
    qtbot: QtBot, make_app: AppFactory, notified: tuple[bytes, str]
) -> None:
    app = make_app()
    shot_shown(qtbot, app)
    timeline = app.window.timeline
    timeline.table.clearSelection()
    rect = timeline.table.visualRect(timeline.proxy.index(0, Column.STATUS))
    timeline.table.customContextMenuRequested.emit(rect.center())
    menu = timeline.row_menu
    assert menu is not None
    assert [a.objectName() for a in menu.actions()] == ["resend", "edit_resend"]
    assert all(a.isEnabled() for a in menu.actions())
    menu.close()
    menu.actions()[1].trigger()
    qtbot.waitUntil(lambda: app.controller.resend_dialog is not None, timeout=WAIT_MS)
    dialog = app.controller.resend_dialog
    assert dialog is not None
    assert json.loads(dialog.editor.toPlainText())["requestId"] == notified[1]
    dialog.reject()


def test_edit_and_resend_checks_json_and_sends_exactly_what_it_shows(
    qtbot: QtBot,
    make_app: AppFactory,
    notified: tuple[bytes, str],
    recorders: tuple[Recorder, Recorder],
) -> None:
    body, request_id = notified
    _, second = recorders
    app = make_app()
    shot_shown(qtbot, app)
    app.window.commands["edit_resend"].trigger()
    qtbot.waitUntil(lambda: app.controller.resend_dialog is not None, timeout=WAIT_MS)
    dialog = app.controller.resend_dialog
    assert dialog is not None
    dialog.url.setText(second.url)
    dialog.editor.setPlainText('{"requestId": ')
    assert not dialog.send.isEnabled()
    assert dialog.validity.text().startswith("Payload: not JSON")
    dialog.editor.setPlainText("[1, 2]")
    assert "must be a JSON object" in dialog.validity.text()

    # A deliberately wrong checksum, sent as typed.
    edited = {**json.loads(body), "msg": "edited by hand", "checksum": "0" * 32}
    typed = json.dumps(edited, indent=2)
    dialog.editor.setPlainText(typed)
    dialog.recompute.setChecked(False)
    assert dialog.send.isEnabled()
    dialog.send.click()
    qtbot.waitUntil(lambda: second.bodies == [typed.encode()], timeout=WAIT_MS)
    qtbot.waitUntil(dialog.sent.isVisible, timeout=WAIT_MS)
    assert dialog.sent.toPlainText() == typed
    assert "delivered on attempt 1" in dialog.outcome.text()

    # Again, the checksum recomputed for the URL it goes to.
    second.bodies.clear()
    dialog.recompute.setChecked(True)
    dialog.send.click()
    qtbot.waitUntil(lambda: len(second.bodies) == 1, timeout=WAIT_MS)
    sent = json.loads(second.bodies[0])
    assert sent["msg"] == "edited by hand"
    assert sent["checksum"] == checksum(second.url, sent["code"], sent["object"], request_id)
    qtbot.waitUntil(lambda: dialog.sent.toPlainText() == second.bodies[0].decode(), timeout=WAIT_MS)
    dialog.reject()


def test_an_edited_body_the_checksum_cannot_be_made_from_is_said_in_the_dialog(
    qtbot: QtBot, make_app: AppFactory, notified: tuple[bytes, str]
) -> None:
    app = make_app()
    shot_shown(qtbot, app)
    app.window.commands["edit_resend"].trigger()
    qtbot.waitUntil(lambda: app.controller.resend_dialog is not None, timeout=WAIT_MS)
    dialog = app.controller.resend_dialog
    assert dialog is not None
    dialog.editor.setPlainText('{"code": "two hundred"}')
    dialog.send.click()
    qtbot.waitUntil(lambda: "requestId" in dialog.outcome.text(), timeout=WAIT_MS)
    assert "to make the checksum" in dialog.outcome.text()
    assert dialog.send.isEnabled()  # it can be fixed and sent again
    dialog.reject()
