"""Every error the window shows passes through here: `words` and `advice` say it as the window
should (a field by its label, no command-line flag, a sentence), from capture.errors.describe.

- `ErrorReporter.report` is the crash handler: uncaught exceptions from the GUI thread
  (sys.excepthook), Python threads (threading.excepthook) and QThreads (gui/workers.py) are
  printed and logged with their traceback by capture.errors.print_crash, as in headless mode,
  and shown in the window, in the same words, as an error banner with details. Nothing is
  swallowed.
- `problem_banner` / `status_message` / `error_dialog` show expected errors (a source that does
  not open, a session that cannot start) in the banner area, the status bar or a dialog.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QStatusBar, QWidget

from capture.errors import (
    ConfigError,
    ShotHookError,
    describe,
    install_excepthooks,
    print_crash,
    sentence,
)
from capture.settings.words import in_window, on_command_line
from gui.banners import BannerArea, Kind

STATUS_TIMEOUT_MS = 8000


def words(exc: BaseException) -> str:
    """An error as the window says it: a broken rule names its field by the label the user
    sees, and every message is a sentence."""
    if isinstance(exc, ConfigError):
        return in_window(exc)
    if isinstance(exc, ShotHookError):
        return sentence(exc.message)
    return sentence(describe(exc))


def advice(exc: BaseException) -> str:
    """What to do, in the window's terms (never a command-line flag)."""
    text = exc.window_advice if isinstance(exc, ShotHookError) else getattr(exc, "advice", "")
    return sentence(text) if text else ""


class ErrorReporter(QObject):
    """Thread-safe: `report` may be called from any thread; `crashed` arrives in the GUI."""

    crashed = Signal(str, str, str)  # where, one line for the user, full traceback

    def report(self, where: str, exc: BaseException) -> None:
        """Printed and logged as in headless mode, then shown in the window in the same words."""
        crash = print_crash(where, exc)
        self.crashed.emit(crash.where, crash.message, crash.trace)

    def install(self) -> None:
        """Route the main thread's and every thread's uncaught exceptions to `report`."""
        install_excepthooks(self.report)


def show_crash(banners: BannerArea, where: str, message: str, trace: str) -> None:
    banners.put(
        f"crash:{where}",
        Kind.ERROR,
        f"Unexpected error in {where}: {message}",
        details=trace,
        hint="Logged with its traceback. The app keeps running; please report it.",
    )


def problem_banner(banners: BannerArea, key: str, exc: BaseException, what: str = "") -> None:
    """An expected failure (bad source, storage refused, ...) as an error banner."""
    message = words(exc)
    banners.put(key, Kind.ERROR, f"{what}: {message}" if what else message, hint=advice(exc))


def status_message(bar: QStatusBar, exc: BaseException, what: str = "") -> None:
    text = words(exc)
    bar.showMessage(f"{what}: {text}" if what else text, STATUS_TIMEOUT_MS)


def error_dialog(parent: QWidget, title: str, exc: BaseException) -> QMessageBox:
    """A non-blocking message box (it does not stall the event loop)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, words(exc), parent=parent)
    if advice(exc):
        box.setInformativeText(advice(exc))
    box.open()
    return box


def startup_dialog(exc: BaseException) -> None:
    """Why the window could not open, for someone who started it from a desktop (no terminal).
    Blocking: there is no window yet. Not shown on the offscreen platform: nobody would see it."""
    if QGuiApplication.platformName() == "offscreen":
        return
    box = QMessageBox(QMessageBox.Icon.Critical, "ShotHook cannot start", words(exc))
    box.setInformativeText(advice(exc))
    box.exec()


def print_startup_error(exc: BaseException) -> None:
    """On the terminal the window was started from: a broken rule names its flag."""
    said = on_command_line(exc) if isinstance(exc, ConfigError) else describe(exc)
    print(f"shothook: {said}", file=sys.stderr)
