"""Python's cyclic garbage collector, run on the GUI thread only.

Automatic collection runs in whichever thread happens to allocate. When it frees a Qt wrapper
there, shiboken defers the C++ deletion to the main thread, and PySide6 (6.11 and 6.12 alike)
can crash doing so (seen in the tests: a segfault in BindingManager::runDeletionInMainThread
while a worker imported boto3). So automatic collection is turned off and a timer on the GUI
thread collects with the same thresholds, the usual remedy for Qt applications with Python
threads.

A full collection scans every object the process holds, and a window that has loaded OpenCV,
aiohttp and boto3 holds about a million: 100 to 130 ms on the GUI thread each time. Objects
that exist when a wave of imports has finished (modules, classes, functions) live as long as
the process, so the collector freezes them (`gc.freeze()`, the permanent generation) whenever
new modules have appeared; collections then scan only what the app made since. Freezing
without collecting first costs nothing but keeps any cyclic garbage of that moment, which is a
few import-time leftovers.
"""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._modules = 0  # len(sys.modules) at the last freeze
        gc.disable()
        self._timer = QTimer(self, interval=INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        if len(sys.modules) != self._modules:  # start-up, or a library loaded on first use
            self._modules = len(sys.modules)
            gc.freeze()
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return

    def release(self) -> None:
        """Back to automatic collection (once every thread has stopped)."""
        self._timer.stop()
        gc.unfreeze()
        gc.enable()
        gc.collect()
        self.setParent(None)  # the next window's install() makes a fresh one
        self.deleteLater()


def install(app: QObject) -> GuiThreadCollector:
    """One collector per application while a window runs (later calls return the same)."""
    existing = app.findChild(GuiThreadCollector)
    return existing if existing is not None else GuiThreadCollector(app)
