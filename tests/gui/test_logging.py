"""The window's log: every module of the engine and the window logs under "shothook", so its
warnings land in shothook.log whatever the module's name."""

from __future__ import annotations

import logging
from pathlib import Path

from capture import events
from capture.settings import store
from gui import app, workers


def test_warnings_of_engine_and_window_modules_reach_the_windows_log_file(tmp_path: Path) -> None:
    log_file = tmp_path / "shothook.log"
    loggers: list[logging.Logger] = [events._log, store._log, workers._log]
    stop = app.window_logging(log_file)
    try:
        for logger in loggers:
            logger.warning("a warning from %s", logger.name)
    finally:
        stop()
    text = log_file.read_text(encoding="utf-8")
    for logger in loggers:
        assert f"WARNING MainThread {logger.name}: a warning from {logger.name}" in text
    assert {logger.name for logger in loggers} == {
        "shothook.capture.events",
        "shothook.capture.settings.store",
        "shothook.gui.workers",
    }
