"""Every error a user can see is one of these, and `describe` turns any exception into words.

The window and the headless runner both print errors through `describe`, so a message reads
the same wherever it appears, and nothing else formats exceptions for users.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

from capture.spec.payload import PayloadError


class ShotHookError(Exception):
    """An error with a message meant for the user (no traceback needed)."""

    def __init__(self, message: str, *, advice: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.advice = advice

    def __str__(self) -> str:
        return f"{self.message} {self.advice}".strip()


class ConfigError(ShotHookError):
    """A setting breaks a rule. `field` is the setting's name, `rule` what it must be."""

    def __init__(self, field: str, rule: str, value: object = None) -> None:
        shown = "" if value is None else f" (got {_shorten(repr(value))})"
        super().__init__(f"{field}: {rule}{shown}")
        self.field = field
        self.rule = rule


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


def format_crash(exc: BaseException) -> str:
    """Full traceback text for logs and the crash dialog."""
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


Reporter = Callable[[str, BaseException], None]
_reporters: list[Reporter] = []  # the installed reporters, newest last


def report_unexpected(where: str, exc: BaseException) -> None:
    """An unexpected error that a loop caught so it could carry on: shown and logged exactly
    like a crash (through the reporter `install_excepthooks` set), never swallowed."""
    if _reporters:
        _reporters[-1](where, exc)
        return
    print(f"shothook: unexpected error in {where}: {describe(exc)}", file=sys.stderr)
    print(format_crash(exc), file=sys.stderr, flush=True)


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
