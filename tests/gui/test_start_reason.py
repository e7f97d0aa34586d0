"""Why Start is off, said beside it with a link to the field and a mark on the tab that holds
it; without a keyring, the S3 secret is asked for at Start instead of Start staying off."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from capture.settings.model import StorageKind
from capture.settings.store import SessionSecrets
from gui.app import App
from gui.main_window import RunState

AppFactory = Callable[..., App]
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_a_broken_field_is_said_beside_start_and_its_link_shows_the_field(
    qtbot: QtBot, make_app: AppFactory
) -> None:
    app = make_app()
    window = app.window
    window.show()
    assert window.start_blocker.isHidden()
    window.form.setCurrentIndex(2)  # on the Webhook tab: the link must come back to Capture
    window.form.capture.interval.setText("0")
    assert not window.start_button.isEnabled()
    assert not window.start_blocker.isHidden()
    said = window.start_blocker.text()
    assert "Interval (s): whole seconds from 1 to 3600" in said and "href" in said
    assert window.form.tabToolTip(0).startswith("Interval (s):")
    assert window.form.tabToolTip(1) == "" and window.form.tabToolTip(2) == ""
    assert "Capture: Interval (s)" in window.form.tabBar().accessibleDescription()
    if window.panes.show_settings.isChecked():
        window.panes.show_settings.trigger()  # hidden: the link must open it again
    window.start_blocker.linkActivated.emit("fix")
    assert window.panes.show_settings.isChecked()
    assert window.form.currentIndex() == 0
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.form.capture.interval)
    window.form.capture.interval.setText("10")
    assert window.start_blocker.isHidden()
    assert window.form.tabToolTip(0) == ""


def no_keyring_s3(qtbot: QtBot, make_app: AppFactory) -> App:
    app = make_app(secrets=SessionSecrets())
    storage = app.window.form.storage
    storage.kind.setCurrentIndex(storage.kind.findData(StorageKind.S3.value))
    storage.bucket.setText("shots")
    storage.access_key.setText("AKIDEXAMPLE")
    # as after a restart: the settings were there before start-up found no keyring
    qtbot.waitUntil(lambda: "this session only" in storage.secret_note.text())
    return app


def test_without_a_keyring_start_stays_on_and_says_it_will_ask_for_the_secret(
    qtbot: QtBot, make_app: AppFactory
) -> None:
    app = no_keyring_s3(qtbot, make_app)
    window = app.window
    assert window.form.problems()  # the secret is missing...
    assert window.start_button.isEnabled()  # ...and Start asks for it rather than stay off
    assert "will be asked for when you start" in window.start_blocker.text()
    assert window.form.tabToolTip(1)  # the Storage tab is marked


@pytest.mark.parametrize("answer", [("", False), (SECRET, False)])
def test_cancelling_the_secret_prompt_starts_nothing(
    qtbot: QtBot, make_app: AppFactory, monkeypatch: pytest.MonkeyPatch, answer: tuple[str, bool]
) -> None:
    app = no_keyring_s3(qtbot, make_app)
    asked: list[QLineEdit.EchoMode] = []

    def prompt(_parent: QWidget, _title: str, _label: str, echo: QLineEdit.EchoMode) -> object:
        asked.append(echo)
        return answer

    monkeypatch.setattr(QInputDialog, "getText", prompt)
    app.window.start_button.click()
    assert asked == [QLineEdit.EchoMode.Password]
    assert app.window.state.value == "idle"
    assert app.window.form.storage.secret_key.text() == ""


def test_the_secret_given_at_start_fills_the_form_for_the_session(
    qtbot: QtBot, make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = no_keyring_s3(qtbot, make_app)
    monkeypatch.setattr(QInputDialog, "getText", lambda *_a: (SECRET, True))
    starts: list[object] = []
    with monkeypatch.context() as during:  # no session on a real S3: only that one was asked
        during.setattr(app.controller, "start_the_rest", lambda: starts.append("rest"))
        during.setattr(app.controller.control, "submit", lambda *_a, **_k: starts.append("go"))
        app.window.start_button.click()
    app.window.set_state(RunState.IDLE)  # the session that was not started
    assert app.window.form.storage.secret_key.text() == SECRET
    assert not app.window.form.problems()
    assert starts == ["rest", "go"]  # the session was started with the key
