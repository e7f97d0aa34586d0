"""Start-up and closing as named steps (gui/startup.py, gui/shutdown.py, gui/steps.py): they run
in their order on the real window, a step that fails is reported naming it while the steps
after it still run, and a step runs alone."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from gui import shutdown, startup
from gui.app import App
from gui.errors import ErrorReporter
from gui.main_window import RunState
from gui.startup import Startup
from gui.steps import Step, run_steps
from gui.workers import running_workers

AppFactory = Callable[..., App]
CloseApp = Callable[[App], list[str]]
PHASES = ("start-up: ", "closing: ")
WAIT_MS = 15_000

START_UP = [
    "restore the settings",
    "warn of reset settings",
    "start the timeline readers",
    "start the preview",
    "poll the source state",
    "open the first source",  # before anything else on `control`: the preview waits on it
    "list the cameras",
    "wait for the first frame",
    "start the webhook",  # after the first frame (or a second without one)
    "read the secret key",
    "show the secret key",
    "autostart",  # last: Start needs the secret in the form
]
CLOSING = [
    "abandon blocking calls",
    "show closing",
    "stop polling the source",
    "save unsaved settings",
    "ask the workers to stop",
    "close the engine",
    "set the close deadline",
    "stop the task queues",  # once the engine has closed
    "join the workers",
    "join the task queues",
    "close the detail reader",
    "close the window",
]


@pytest.fixture
def steps_log(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The steps run so far, as `phase: name`, in the order the log has them."""
    caplog.set_level(logging.DEBUG, logger="shothook.gui.steps")

    def steps() -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if r.name == "shothook.gui.steps"
            and r.levelno == logging.DEBUG
            and r.getMessage().startswith(PHASES)
        ]

    return steps


def test_start_up_and_closing_run_their_steps_in_order(
    qtbot: QtBot,
    make_app: AppFactory,
    close_app: CloseApp,
    steps_log: Callable[[], list[str]],
) -> None:
    app = make_app("--autostart")
    qtbot.waitUntil(lambda: app.window.state is RunState.RUNNING, timeout=WAIT_MS)
    assert app.window.preview.frames_painted >= 1
    assert steps_log() == [f"start-up: {name}" for name in START_UP]

    assert close_app(app) == []  # the running session stopped with the engine
    assert steps_log()[len(START_UP) :] == [f"closing: {name}" for name in CLOSING]
    assert running_workers() == []


def test_without_autostart_start_up_ends_with_the_secret_key_and_stays_idle(
    qtbot: QtBot, make_app: AppFactory, steps_log: Callable[[], list[str]]
) -> None:
    app = make_app()
    qtbot.waitUntil(lambda: "start-up: show the secret key" in steps_log(), timeout=WAIT_MS)
    assert steps_log() == [f"start-up: {name}" for name in START_UP[:-1]]
    assert app.window.state is RunState.IDLE


def test_a_failing_step_is_reported_with_its_phase_and_the_next_steps_still_run(
    qtbot: QtBot,
) -> None:
    reporter = ErrorReporter()
    ran: list[str] = []

    def fail() -> None:
        ran.append("second")
        raise OSError("disk on fire")

    steps = [
        Step("first", lambda: ran.append("first")),
        Step("second", fail),
        Step("third", lambda: ran.append("third")),
    ]
    with qtbot.waitSignal(reporter.crashed) as crashed:
        failed = run_steps("closing", steps, reporter.report)
    assert ran == ["first", "second", "third"]
    assert failed == ["second"]
    where, message, trace = crashed.args
    assert (where, message) == ("closing: second", "OSError: disk on fire")
    assert "Traceback" in trace


def test_a_failing_start_up_step_is_shown_and_the_window_still_comes_up(
    qtbot: QtBot,
    make_app: AppFactory,
    close_app: CloseApp,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(_controller: object) -> None:
        raise RuntimeError("no timeline today")

    monkeypatch.setattr(startup, "start_timeline_readers", broken)
    app = make_app()
    key = "crash:start-up: start the timeline readers"
    assert key in app.window.banners.active()
    assert "RuntimeError: no timeline today" in app.window.banners.text(key)
    # the steps after it ran: the preview shows frames, the webhook listens
    qtbot.waitUntil(lambda: app.window.preview.frames_painted >= 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: app.engine.webhook is not None, timeout=WAIT_MS)

    assert close_app(app) == []
    assert running_workers() == []


def test_a_failing_closing_step_is_logged_and_every_thread_still_stops(
    qtbot: QtBot,
    make_app: AppFactory,
    close_app: CloseApp,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    steps_log: Callable[[], list[str]],
) -> None:
    def broken(_controller: object) -> None:
        raise RuntimeError("settings stuck")

    app = make_app()
    qtbot.waitUntil(lambda: app.engine.webhook is not None, timeout=WAIT_MS)
    monkeypatch.setattr(shutdown, "save_unsaved_settings", broken)

    assert close_app(app) == []
    assert running_workers() == []
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(
        "unexpected error in closing: save unsaved settings: RuntimeError: settings stuck" in e
        for e in errors
    )
    assert steps_log()[-1] == "closing: close the window"


def test_the_save_step_alone_saves_an_edit_still_waiting_for_its_delay(
    qtbot: QtBot, make_app: AppFactory, data_path: Path
) -> None:
    app = make_app()
    settings_file = data_path / "settings.json"
    app.window.form.capture.channel.setText("saved by the step")
    assert app.controller.save_timer.isActive()

    shutdown.save_unsaved_settings(app.controller)

    assert not app.controller.save_timer.isActive()

    def saved() -> None:
        assert settings_file.exists()
        channel = json.loads(settings_file.read_text(encoding="utf-8"))["capture"]["channel"]
        assert channel == "saved by the step"

    qtbot.waitUntil(saved, timeout=WAIT_MS)


def test_the_reset_settings_step_alone_warns_only_when_something_was_reset(
    qtbot: QtBot, make_app: AppFactory
) -> None:
    app = make_app()
    settings = app.window.form.settings()
    startup.warn_of_reset_settings(app.controller, Startup(settings))
    assert "settings" not in app.window.banners.active()

    reset = ("capture.interval: whole seconds from 1 to 3600", "capture.uid: 0 is not allowed")
    startup.warn_of_reset_settings(app.controller, Startup(settings, warnings=reset))
    text = app.window.banners.text("settings")
    assert "reset to their defaults" in text
    assert "; ".join(reset) in text
