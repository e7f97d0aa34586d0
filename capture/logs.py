"""ShotHook's logging: every module logs under one namespace, "shothook", and one set-up, used
by the headless runner and the window alike, writes it to the data folder's shothook.log.

A module takes its logger with `get_logger(__name__)`: "capture.events" logs as
"shothook.capture.events", so the level set on "shothook" holds for every module, and a module
can never fall outside the log because of its name.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from logging.handlers import RotatingFileHandler

NAMESPACE = "shothook"
LOG_MAX_BYTES = 2_000_000
LOG_BACKUPS = 2
FILE_FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"
CONSOLE_FORMAT = "shothook: %(message)s"
PRINTED = "shothook_printed"
"""Set on a record (`extra={PRINTED: True}`) that its caller has already printed on the console
(a crash, printed with its traceback before it is logged): the console leaves it out."""


def get_logger(module: str) -> logging.Logger:
    """The logger of a module, named by its `__name__`, inside the "shothook" namespace."""
    if module == NAMESPACE or module.startswith(NAMESPACE + "."):
        return logging.getLogger(module)
    return logging.getLogger(f"{NAMESPACE}.{module}")


def start_logging(
    log_file: Path,
    level: int = logging.INFO,
    *,
    console: TextIO | None = None,
    console_level: int = logging.WARNING,
) -> Callable[[], None]:
    """Write ShotHook's records from `level` up to `log_file` (rotated at LOG_MAX_BYTES, with
    LOG_BACKUPS old files kept) and, given a `console`, those from `console_level` up there too.
    Returns the function that takes it all back (handlers closed, the level restored).

    The handlers sit on the root logger, not on "shothook": the libraries' own warnings
    (boto3, aiohttp) then land in the same file, at the root's level (WARNING unless someone
    changed it), while ShotHook's records come from `level` up."""
    # Imported here: every module imports this one for get_logger, and logging.handlers
    # brings socket and pickle with it, needed only once logging starts (the start-up
    # benchmark row, main.py to its first preview frame, pays every import on the way).
    file_handler = _log_file(log_file)
    file_handler.setFormatter(logging.Formatter(FILE_FORMAT))
    file_handler.setLevel(level)
    handlers: list[logging.Handler] = [file_handler]
    if console is not None:
        console_handler = logging.StreamHandler(console)
        console_handler.setFormatter(logging.Formatter(CONSOLE_FORMAT))
        console_handler.setLevel(console_level)
        console_handler.addFilter(_not_printed)
        handlers.append(console_handler)
    root, ours = logging.getLogger(), logging.getLogger(NAMESPACE)
    previous_level = ours.level
    ours.setLevel(min(level, console_level) if console is not None else level)
    for handler in handlers:
        root.addHandler(handler)

    def stop() -> None:
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()
        ours.setLevel(previous_level)

    return stop


def _log_file(log_file: Path) -> RotatingFileHandler:
    from logging.handlers import RotatingFileHandler

    class LogFile(RotatingFileHandler):
        """A log whose disk is full loses records, said in one line on stderr instead of
        logging's traceback per record; the file is reopened for the next record (its
        unwritten buffer dropped), so logging resumes by itself once there is room."""

        failing = False

        def _open(self) -> io.TextIOWrapper:
            """The log is the user's (what ran, on which folders): readable by them alone,
            also when rotation opens a new file."""
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
            descriptor = os.open(self.baseFilename, flags, 0o600)
            raw = os.fdopen(descriptor, "ab", buffering=0)
            return io.TextIOWrapper(
                io.BufferedWriter(raw), encoding=self.encoding, errors=self.errors
            )

        def handleError(self, record: logging.LogRecord) -> None:
            error = sys.exc_info()[1]
            if not isinstance(error, OSError):
                super().handleError(record)
                return
            stream, self.stream = self.stream, None
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
            if not self.failing:
                self.failing = True
                why = error.strerror or error
                print(
                    f"shothook: cannot write {self.baseFilename} ({why}); its records are"
                    " dropped until it can",
                    file=sys.stderr,
                )

        def emit(self, record: logging.LogRecord) -> None:
            super().emit(record)
            if self.stream is not None:
                self.failing = False

    return LogFile(log_file, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")


def _not_printed(record: logging.LogRecord) -> bool:
    return not getattr(record, PRINTED, False)
