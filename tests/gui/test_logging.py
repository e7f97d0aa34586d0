"""The window's log: every module of the engine and the window logs under "shothook", so its
warnings land in shothook.log whatever the module's name; a crash is printed and logged once,
in the words the window shows."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from capture import events
from capture.settings import store
from gui import app, workers
from gui.errors import ErrorReporter


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


def raised(exc: Exception) -> Exception:
    try:
        raise exc
    except Exception as caught:
        return caught


def test_a_crash_in_the_window_is_printed_once_logged_once_and_shown_in_the_same_words(
    tmp_path: Path, qtbot: QtBot, capsys: pytest.CaptureFixture[str]
) -> None:
    log_file = tmp_path / "shothook.log"
    reporter = ErrorReporter()
    stop = app.window_logging(log_file)  # its console is this test's captured stderr
    try:
        with qtbot.waitSignal(reporter.crashed) as crashed:
            reporter.report("thread upload-1", raised(KeyError("boom")))
    finally:
        stop()
    headline = "unexpected error in thread upload-1: KeyError: 'boom'"
    err = capsys.readouterr().err
    assert err.count(headline) == 1 and err.startswith(f"shothook: {headline}\nTraceback")
    text = log_file.read_text(encoding="utf-8")
    assert text.count(headline) == 1 and "raise exc\nKeyError: 'boom'" in text
    where, message, trace = crashed.args
    assert (where, message) == ("thread upload-1", "KeyError: 'boom'")
    assert trace in err and trace in text
