"""Closing the window while an upload hangs (an S3 endpoint that reads the PUT and never
answers): every thread still ends, promptly and cooperatively, and the shot stays pending."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from gui.app import App
from gui.main_window import RunState
from gui.workers import running_workers
from tests.support.engine import query
from tests.support.loopback import SilentServer

AppFactory = Callable[..., App]
CloseApp = Callable[[App], list[str]]

PUT_TIMEOUT_MS = 30_000


def test_closing_while_an_upload_hangs_ends_every_thread(
    qtbot: QtBot,
    make_app: AppFactory,
    close_app: CloseApp,
    silent: SilentServer,
    aws_env: None,
) -> None:
    s3 = ("--s3-endpoint", silent.endpoint, "--bucket", "shots", "--region", "us-east-1")
    app = make_app("--autostart", "--interval", "1", *s3)
    qtbot.waitUntil(lambda: silent.has_request("PUT"), timeout=PUT_TIMEOUT_MS)
    assert app.window.state is RunState.RUNNING

    assert close_app(app) == []  # nothing reported stuck, so no last-resort exit either
    assert running_workers() == []
    pending = "SELECT COUNT(*) FROM shots WHERE upload_state = 'pending'"
    assert query(app.engine.data_dir, pending)[0][0] >= 1


def test_closing_while_a_storage_check_hangs_ends_every_thread(
    qtbot: QtBot,
    make_app: AppFactory,
    close_app: CloseApp,
    silent: SilentServer,
    aws_env: None,
) -> None:
    s3 = ("--s3-endpoint", silent.endpoint, "--bucket", "shots", "--region", "us-east-1")
    app = make_app(*s3)
    app.window.form.storage.test_button.click()
    qtbot.waitUntil(lambda: silent.has_request("HEAD"), timeout=PUT_TIMEOUT_MS)

    assert close_app(app) == []  # the probe worker did not wait out boto3's timeouts
    assert running_workers() == []
