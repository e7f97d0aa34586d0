"""File > Export…: the window writes every recorded exchange in the format the dialog picked,
on a worker, says where in the status bar, keeps the form's S3 secret out, and reports a
target it cannot write there too."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from capture.journal.exchanges import ExchangeReader
from capture.journal.reader import Status
from gui import controller as controller_module
from gui.app import App

AppFactory = Callable[..., App]
CloseApp = Callable[[App], list[str]]
ROWS_TIMEOUT_MS = 20_000
SECRET = "never-in-the-exchange-export"


def verified(app: App) -> int:
    model = app.window.timeline.model
    return sum(model.row_at(r).status is Status.VERIFIED for r in range(model.rowCount()))


def test_file_export_writes_every_exchange_as_har(
    qtbot: QtBot,
    make_app: AppFactory,
    close_app: CloseApp,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chosen = tmp_path / "all"  # no extension: the dialog's chosen format gives it
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        staticmethod(lambda *_a, **_k: (str(chosen), "HAR 1.2 (*.har)")),
    )
    app = make_app("--autostart", "--interval", "1")
    window = app.window
    qtbot.waitUntil(lambda: verified(app) >= 2, timeout=ROWS_TIMEOUT_MS)
    reader = ExchangeReader(app.controller.engine.data_dir.journal)
    try:  # each verified shot's attempt is journaled once its answer is read
        qtbot.waitUntil(lambda: reader.count() >= 4, timeout=ROWS_TIMEOUT_MS)
    finally:
        reader.close()
    window.form.storage.secret_key.setText(SECRET)

    window.commands["export_exchanges"].trigger()

    target = tmp_path / "all.har"
    qtbot.waitUntil(
        lambda: "to " + str(target) in window.statusBar().currentMessage(), timeout=10_000
    )
    message = window.statusBar().currentMessage()
    assert message.startswith("Exported ") and "(HAR 1.2)" in message
    text = target.read_text(encoding="utf-8")
    entries = json.loads(text)["log"]["entries"]
    directions = {e["_shothook"]["direction"] for e in entries}
    assert directions == {"sent", "received"}  # the embedded webhook got what was sent
    assert len(entries) >= 4
    assert SECRET not in text
    assert close_app(app) == []


def test_a_target_it_cannot_write_is_said_in_the_status_bar(
    qtbot: QtBot,
    make_app: AppFactory,
    close_app: CloseApp,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    missing = tmp_path / "no-such-folder" / "x.jsonl"
    monkeypatch.setattr(controller_module, "choose_exchange_file", lambda _parent: str(missing))
    app = make_app()
    window = app.window

    window.commands["export_exchanges"].trigger()

    seen: list[str] = []
    window.statusBar().messageChanged.connect(seen.append)
    qtbot.waitUntil(
        lambda: any(m.startswith("Cannot export the exchanges") for m in seen), timeout=10_000
    )
    assert any("a file in a folder that exists" in m for m in seen)
    assert not missing.exists()
    assert close_app(app) == []
