"""QThreads for the engine's loops: `QtWorker` satisfies capture.runtime.Worker, and `make_spawn`
gives the engine a Spawn function that hosts each Runnable on one.

Stopping is cooperative: `request_stop` calls requestInterruption() and sets the Runnable's
StopToken; `join` waits. An exception escaping a Runnable is caught here and handed to the
crash handler (gui/errors.py routes it to the log and the window), never lost.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QThread

from capture.logs import get_logger
from capture.runtime import Runnable, Spawn, StopToken, Worker

CrashHandler = Callable[[str, BaseException], None]
BACKGROUND_NICE = 5  # how much less CPU priority a worker has than the GUI thread (Linux)

_log = get_logger(__name__)

_started: list[QtWorker] = []
_started_lock = threading.Lock()


def yield_to_gui_thread() -> None:
    """Lower the calling worker thread's CPU priority by BACKGROUND_NICE (Linux, where the nice
    value is per thread; threads it starts later inherit it), so that on a busy machine the GUI
    thread gets a CPU first. Measured with the preview benchmark (1080p source, uploads
    stalled, 2 cores shared): the GUI thread's longest stall was half spent waiting for a CPU
    while the window's own workers (source, preview scaling, capture) ran; QThread priorities do
    nothing for Linux's normal scheduling class. Elsewhere QThread.start's LowPriority does the
    same job."""
    if not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        now = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(19, now + BACKGROUND_NICE))
    except OSError as exc:  # not fatal: the worker just keeps the GUI thread's priority
        _log.warning("could not lower the priority of thread %s: %s", tid, exc)


class QtWorker(QThread):
    def __init__(self, name: str, runnable: Runnable, on_crash: CrashHandler) -> None:
        super().__init__()
        app = QCoreApplication.instance()
        if app is not None and self.thread() is not app.thread():
            # Spawned from a worker (the engine starts sessions on one): belong to the GUI
            # thread like every other QObject, so it is safely destroyed there later.
            self.moveToThread(app.thread())
        self.name = name
        self.setObjectName(name)
        self._runnable = runnable
        self._on_crash = on_crash
        self._stop = StopToken()

    def run(self) -> None:
        threading.current_thread().name = f"qt-{self.name}"  # names log records
        yield_to_gui_thread()
        try:
            self._runnable.run(self._stop)
        except BaseException as exc:
            self._on_crash(self.name, exc)

    def start(self) -> None:  # type: ignore[override]
        with _started_lock:
            _started[:] = [w for w in _started if w.isRunning()]
            _started.append(self)
        linux = sys.platform.startswith("linux")  # there, see yield_to_gui_thread
        super().start(QThread.Priority.InheritPriority if linux else QThread.Priority.LowPriority)

    def request_stop(self) -> None:
        self.requestInterruption()
        self._stop.set()

    def join(self, timeout: float) -> bool:
        return bool(self.wait(max(0, int(timeout * 1000))))

    def is_running(self) -> bool:
        return bool(self.isRunning())


def make_spawn(on_crash: CrashHandler) -> Spawn:
    def spawn(name: str, runnable: Runnable) -> Worker:
        return QtWorker(name, runnable, on_crash)

    return spawn


def live_workers() -> list[QtWorker]:
    """QtWorkers still running (tests use this to catch leaked threads)."""
    with _started_lock:
        return [w for w in _started if w.isRunning()]


def running_workers() -> list[str]:
    return [w.name for w in live_workers()]
