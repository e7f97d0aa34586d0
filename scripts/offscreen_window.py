"""What the screenshot scripts that grab the real window on Qt's offscreen platform share: the
window opened on a data folder at 1280x720, waiting on Qt's events, room for the detail pane,
and closing the window as on Quit. Importing it puts the repository on sys.path and picks the
offscreen platform, so import it before anything of ShotHook's."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

if TYPE_CHECKING:
    from gui.app import App

WAIT_S = 30.0
SIZE = (1280, 720)


def out_dir() -> Path:
    """Where the pictures go: the first argument, else docs/."""
    return Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"


def wait_until(predicate: Callable[[], bool], what: str) -> None:
    """Run Qt's events until `predicate` holds (a script: it may poll)."""
    from gui.app import application

    deadline = time.monotonic() + WAIT_S
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshot: timed out waiting for {what}")
        application().processEvents()
        time.sleep(0.02)


def settle(seconds: float, what: str = "the window to repaint") -> None:
    """Run Qt's events for `seconds` (thumbnails, layouts and repaints land meanwhile)."""
    until = time.monotonic() + seconds
    wait_until(lambda: time.monotonic() > until, what)


def open_window(data: Path) -> App:
    """The window on the data folder `data` (its own embedded webhook on a free port)."""
    from capture.cli.flags import parse_args
    from capture.settings.store import SessionSecrets
    from gui.app import build

    flags = ["--data-dir", str(data), "--webhook-port", "0", "--source", "synthetic"]
    app = build(parse_args(flags), SessionSecrets())
    app.window.resize(*SIZE)
    return app


def room_for_the_detail(app: App) -> None:
    """The settings pane hidden and the detail pane shown: at 1280 px the detail needs room."""
    panes = app.window.panes
    if panes.show_settings.isChecked():
        panes.show_settings.trigger()
    panes.show_detail.setChecked(True)
    settle(0.5, "the panes to settle")


def close(app: App) -> None:
    """Close the window as on Quit, and wait until every thread has stopped."""
    closed: list[object] = []
    app.controller.closed.connect(closed.append)
    app.window.close()
    wait_until(lambda: bool(closed), "the window to close")
