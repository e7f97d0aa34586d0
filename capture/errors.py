"""Every error a user can see is one of these, and `describe` turns any exception into words.

The window and the headless runner both print errors through `describe`, so a message reads
the same wherever it appears, and nothing else formats exceptions for users. An unexpected
error (a crash) is printed and logged by `print_crash`, in every mode and from every thread.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TextIO

from capture.logs import PRINTED, get_logger
from capture.spec.payload import PayloadError

_log = get_logger(__name__)


class ShotHookError(Exception):
    """An error with a message meant for the user (no traceback needed)."""

    def __init__(self, message: str, *, advice: str = "", window_advice: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.advice = advice
        # What to do when the window shows it: no command-line flag means anything there.
        self.window_advice = advice if window_advice is None else window_advice

    def __str__(self) -> str:
        return f"{self.message} {self.advice}".strip()


class ConfigError(ShotHookError):
    """A setting breaks a rule. `field` is the setting's name, `rule` what it must be."""

    def __init__(self, field: str, rule: str, value: object = None) -> None:
        shown = "" if value is None else f" (got {_shorten(repr(value))})"
        super().__init__(f"{field}: {rule}{shown}")
        self.field = field
        self.rule = rule
        self.shown = shown  # " (got ...)", or "": capture.settings.words names the field


class SourceError(ShotHookError):
    """A video source could not be opened or read."""


class StorageError(ShotHookError):
    """An upload or storage check failed.

    `retryable` is False for errors that retrying cannot fix (wrong keys, missing bucket,
    wrong region, clock skew); those pause uploads until the configuration changes.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        retryable: bool = True,
        advice: str = "",
    ) -> None:
        super().__init__(message, advice=advice)
        self.code = code
        self.retryable = retryable


def describe(exc: BaseException) -> str:
    """One line for the user. Our own errors speak for themselves; others get their type."""
    if isinstance(exc, ShotHookError | PayloadError):
        return str(exc)
    text = str(exc).strip() or "(no message)"
    return f"{type(exc).__name__}: {_shorten(text, 300)}"


def sentence(text: str) -> str:
    """`text` as a sentence: its first letter upper-case (unless it is a name in code, such
    as extraInfo or a --flag), a full stop at the end unless it ends in punctuation already."""
    text = text.strip()
    if not text:
        return text
    first = text.split(":", 1)[0].split(" ", 1)[0]
    if text[0].islower() and not any(c.isupper() for c in first):
        text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Crash:
    """An unexpected error in words: where, one line for the user, the full traceback."""

    where: str
    message: str
    trace: str

    @property
    def headline(self) -> str:
        return f"unexpected error in {self.where}: {self.message}"


_printing = threading.Lock()  # two threads' tracebacks must not interleave on the terminal


def print_crash(where: str, exc: BaseException, stream: TextIO | None = None) -> Crash:
    """Print an unexpected error with its traceback on `stream` (stderr unless given), log it
    to shothook.log, and return its words for a window to show. Every mode's excepthooks come
    here, so a crash reads the same on the terminal, in the log and in the window's dialog."""
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    crash = Crash(where, describe(exc), trace)
    with _printing:
        out = sys.stderr if stream is None else stream
        print(f"shothook: {crash.headline}", file=out)
        print(crash.trace, file=out, flush=True)
    # Printed already: a console handler (the window's) leaves it out rather than repeat it,
    # and with no handler at all (before logging starts) Python's last resort would.
    if _log.hasHandlers():
        _log.error("%s\n%s", crash.headline, crash.trace, extra={PRINTED: True})
    return crash


Reporter = Callable[[str, BaseException], object]  # what it returns is ignored
_reporters: list[Reporter] = []  # the installed reporters, newest last


def report_unexpected(where: str, exc: BaseException) -> None:
    """An unexpected error that a loop caught so it could carry on: shown and logged exactly
    like a crash (through the reporter `install_excepthooks` set), never swallowed."""
    if _reporters:
        _reporters[-1](where, exc)
        return
    print_crash(where, exc)


def report_loop_error(_loop: object, context: dict[str, Any]) -> None:
    """An asyncio loop's exception handler: unhandled errors in tasks and callbacks are
    reported, not lost; a peer that went away is not an error."""
    exc = context.get("exception")
    if isinstance(exc, OSError):
        return
    if not isinstance(exc, BaseException):
        exc = RuntimeError(str(context.get("message", "asyncio error")))
    report_unexpected("an asyncio loop", exc)


def install_excepthooks(report: Reporter) -> Callable[[], None]:
    """Send uncaught exceptions from the main thread and every other thread, and those passed
    to `report_unexpected`, to `report` (with where they happened), so nothing fails silently.
    Returns a function that puts the previous hooks back."""
    previous = (sys.excepthook, threading.excepthook)

    def main_hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        report("main thread", exc.with_traceback(tb))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "a thread"
        report(f"thread {name}", args.exc_value)

    def restore() -> None:
        sys.excepthook, threading.excepthook = previous
        if report in _reporters:
            _reporters.remove(report)

    sys.excepthook = main_hook
    threading.excepthook = thread_hook
    _reporters.append(report)
    return restore
