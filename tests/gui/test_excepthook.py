"""The installed excepthook catches an exception raised in a Qt slot on the GUI thread (outside
pytest-qt, which installs its own hook during tests): shown and logged, not swallowed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from gui.errors import ErrorReporter

app = QApplication([])
reporter = ErrorReporter()
reporter.install()
seen = []
reporter.crashed.connect(lambda where, message, trace: (seen.append((where, message)), app.quit()))

def explode():
    raise RuntimeError("slot went wrong")

QTimer.singleShot(0, explode)
QTimer.singleShot(5000, app.quit)
app.exec()
print(seen)
"""


def test_an_exception_in_a_gui_thread_slot_reaches_the_reporter() -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "[('main thread', 'RuntimeError: slot went wrong')]" in out.stdout, out.stderr
    assert "slot went wrong" in out.stderr  # logged with its traceback too
    # No log file here: printed once, not again by Python's last-resort handler.
    assert out.stderr.count("unexpected error in main thread: RuntimeError") == 1, out.stderr
