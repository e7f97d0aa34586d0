"""Every error the window shows passes through here, worded by capture.errors.describe.

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

from capture.errors import describe, install_excepthooks, print_crash
from gui.banners import BannerArea, Kind

STATUS_TIMEOUT_MS = 8000


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
    advice = getattr(exc, "advice", "")
    message = getattr(exc, "message", "") or describe(exc)
    banners.put(key, Kind.ERROR, f"{what}: {message}" if what else message, hint=advice)


def status_message(bar: QStatusBar, exc: BaseException, what: str = "") -> None:
    text = describe(exc)
    bar.showMessage(f"{what}: {text}" if what else text, STATUS_TIMEOUT_MS)


def error_dialog(parent: QWidget, title: str, exc: BaseException) -> QMessageBox:
    """A non-blocking message box (it does not stall the event loop)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, describe(exc), parent=parent)
    advice = getattr(exc, "advice", "")
    if advice:
        box.setInformativeText(advice)
    box.open()
    return box


def startup_dialog(exc: BaseException) -> None:
    """Why the window could not open, for someone who started it from a desktop (no terminal).
    Blocking: there is no window yet. Not shown on the offscreen platform: nobody would see it."""
    if QGuiApplication.platformName() == "offscreen":
        return
    message = getattr(exc, "message", "") or describe(exc)
    box = QMessageBox(QMessageBox.Icon.Critical, "ShotHook cannot start", message)
    box.setInformativeText(getattr(exc, "advice", ""))
    box.exec()


def print_startup_error(exc: BaseException) -> None:
    print(f"shothook: {describe(exc)}", file=sys.stderr)
