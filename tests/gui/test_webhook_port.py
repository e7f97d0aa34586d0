"""When another program holds the webhook's port, the window says the port in use: the Port
field, the embedded URL (shown whole, never cut at its port) and a banner."""

from __future__ import annotations

import socket

from pytestqt.qtbot import QtBot

from tests.gui.conftest import AppFactory

WAIT_MS = 15_000


def test_a_taken_port_is_shown_as_the_port_in_use(qtbot: QtBot, make_app: AppFactory) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        app = make_app("--webhook-port", str(port))
        qtbot.waitUntil(lambda: "port-taken" in app.window.banners.active(), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: app.engine.webhook is not None, timeout=WAIT_MS)
        server = app.engine.webhook
        assert server is not None and server.port != port
        panel = app.window.form.webhook
        assert panel.port.text() == str(server.port)
        assert panel.embedded.text() == server.url == f"http://127.0.0.1:{server.port}/callback"
        width = panel.embedded.fontMetrics().horizontalAdvance(server.url)
        assert panel.embedded.minimumWidth() > width  # the whole URL fits, its port included
        text = app.window.banners.text("port-taken")
        assert f"Port {port} is taken" in text and f"listens on {server.port}" in text


def test_a_free_port_leaves_the_port_field_and_shows_no_banner(
    qtbot: QtBot, make_app: AppFactory
) -> None:
    app = make_app()
    panel = app.window.form.webhook
    qtbot.waitUntil(lambda: panel.embedded.text().endswith("/callback"), timeout=WAIT_MS)
    assert panel.port.text() == "0"  # the setting as given: 0 asks for any free port
    assert "port-taken" not in app.window.banners.active()
