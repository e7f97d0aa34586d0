"""The one logging set-up (capture/logs.py) both modes use: ShotHook's records from the level
asked, other libraries' warnings, the console only when asked for and never twice, and nothing
left behind once stopped."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from capture.logs import PRINTED, get_logger, start_logging


def test_a_modules_logger_is_inside_the_shothook_namespace() -> None:
    assert get_logger("capture.events").name == "shothook.capture.events"
    assert get_logger("gui.workers").name == "shothook.gui.workers"
    assert get_logger("shothook").name == "shothook"
    assert get_logger("shothook.capture.x") is get_logger("capture.x")


def test_the_file_takes_shothooks_info_and_other_libraries_warnings(tmp_path: Path) -> None:
    log_file = tmp_path / "shothook.log"
    stop = start_logging(log_file, logging.INFO)
    try:
        get_logger("capture.somewhere").info("ours, at info")
        get_logger("capture.somewhere").debug("ours, at debug")
        logging.getLogger("somelibrary").warning("theirs, at warning")
        logging.getLogger("somelibrary").info("theirs, at info")
    finally:
        stop()
    text = log_file.read_text(encoding="utf-8")
    assert "INFO MainThread shothook.capture.somewhere: ours, at info" in text
    assert "WARNING MainThread somelibrary: theirs, at warning" in text
    assert "at debug" not in text and "theirs, at info" not in text


def test_the_console_shows_warnings_once_and_stopping_takes_everything_back(
    tmp_path: Path,
) -> None:
    root, ours = logging.getLogger(), logging.getLogger("shothook")
    handlers, level = list(root.handlers), ours.level
    console = io.StringIO()
    stop = start_logging(tmp_path / "shothook.log", console=console)
    log = get_logger("gui.somewhere")
    try:
        log.info("only in the file")
        log.warning("in both")
        log.error("already printed", extra={PRINTED: True})
    finally:
        stop()
    log.warning("after the stop")
    assert console.getvalue() == "shothook: in both\n"
    text = (tmp_path / "shothook.log").read_text(encoding="utf-8")
    assert "only in the file" in text and "already printed" in text
    assert "after the stop" not in text
    assert root.handlers == handlers and ours.level == level
