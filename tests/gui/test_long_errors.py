"""A long invalid value must not widen the settings form: its error line wraps inside it."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from gui.app import App

AppFactory = Callable[..., App]


def test_a_70_character_invalid_channel_wraps_and_never_widens_the_form(
    qtbot: QtBot, make_app: AppFactory
) -> None:
    app = make_app()
    window = app.window
    window.resize(1280, 720)
    window.show()
    form = window.form
    qtbot.waitUntil(lambda: form.width() > 0)
    before = (form.minimumSizeHint().width(), form.width())
    form.capture.channel.setText("/" * 70)  # one word: nothing to break it at but our rule
    said = form.capture.error_text("channel")
    assert "Channel:" in said
    qtbot.waitUntil(lambda: form.capture.error_text("channel") != "")
    assert (form.minimumSizeHint().width(), form.width()) == before
    page = form.capture
    assert page.minimumSizeHint().width() <= before[0]
