"""GUI fixtures: the real window on Qt's offscreen platform, on a temporary data dir, with the
embedded webhook on an ephemeral port; no test may leave a QThread running or reach the user's
real keyring."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from capture.cli.flags import parse_args
from capture.settings.store import SecretStore, SessionSecrets
from gui.app import App, build
from gui.workers import live_workers

CLOSE_TIMEOUT_MS = 15_000
QTHREAD_EXIT_GRACE_S = 5.0

AppFactory = Callable[..., App]


@pytest.fixture(autouse=True)
def no_real_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a test does, the user's real keyring is never reached."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


@pytest.fixture(autouse=True)
def no_running_qthreads() -> Iterator[None]:
    """Fail a test that leaves a QThread (a QtWorker) running."""
    before = set(live_workers())
    yield
    leaked = [w for w in live_workers() if w not in before]
    for worker in leaked:
        worker.join(QTHREAD_EXIT_GRACE_S)
    still = [w.name for w in leaked if w.is_running()]
    assert not still, f"test left QThreads running: {still}"
    gc.collect()  # destroy this test's Qt objects now, while its threads are known stopped


@pytest.fixture
def data_path(tmp_path: Path) -> Path:
    return tmp_path / "data"


CloseApp = Callable[[App], list[str]]


@pytest.fixture
def close_app(qtbot: QtBot) -> CloseApp:
    """Close the window as a user would; wait until every thread has stopped; return stuck."""
    return lambda app: _close(qtbot, app)


@pytest.fixture
def make_app(qtbot: QtBot, data_path: Path) -> Iterator[AppFactory]:
    """Build the app as `main.py` would, with these flags (plus a temp data dir and port 0)."""
    apps: list[App] = []

    def factory(*flags: str, secrets: SecretStore | None = None) -> App:
        args = parse_args(
            ["--data-dir", str(data_path), "--webhook-port", "0", "--source", "synthetic", *flags]
        )
        app = build(args, secrets or SessionSecrets())
        # not qtbot.addWidget: pytest-qt would delete the window before the app has closed
        apps.append(app)
        return app

    yield factory
    for app in apps:
        if app.window.isVisible():
            _close(qtbot, app)


def _close(qtbot: QtBot, app: App) -> list[str]:
    with qtbot.waitSignal(app.controller.closed, timeout=CLOSE_TIMEOUT_MS) as closed:
        app.window.close()
    assert not app.window.isVisible()
    stuck: list[str] = closed.args[0]
    return stuck
