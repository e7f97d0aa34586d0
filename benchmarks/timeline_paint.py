"""How long a repaint of the timeline takes while other threads run Python.

    uv run benchmarks/timeline_paint.py

A call from Qt into Python on the GUI thread must take the interpreter lock; while another
thread runs Python, it waits up to the switch interval (5 ms) for it each time. So a repaint's
cost under load is set by how many times it calls into Python. This paints 11 visible rows of
a 40-row timeline (900x700, offscreen) many times: alone (the floor), then while one thread
spins in Python (with the usual switch interval, then a 20 ms one), and prints the median of
each and its ratio to the floor. The measuring loop is Python itself, so with the usual
interval it may wait once per paint for the lock; with 20 ms, a repaint that called into
Python even once would take 20 ms or more.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QWidget

from capture.journal.reader import Attempt, Callback, RowKind, TimelineRow
from capture.journal.states import NotifyState, Status, UploadState
from capture.spec.payload import CODE_COMPLETE
from gui.timeline.model import TimelineModel
from gui.timeline.view import TimelinePanel

ROWS = 40
PAINTS = 60
LONG_SWITCH_S = 0.02
T0 = datetime(2026, 1, 1, tzinfo=UTC)
SID = "5" * 32


def row(n: int) -> TimelineRow:
    when = T0 + timedelta(seconds=n)
    digits = when.strftime("%Y%m%d%H%M%S") + "000"
    key = f"20260101/{SID}_demo__uid_s_1001__uid_e_video_{digits}.jpg"
    request = f"{SID}_{n:010d}_{'a' * 32}"
    return TimelineRow(
        kind=RowKind.SHOT,
        id=n,
        seq=n,
        when=when,
        object_key=key,
        request_id=request,
        code=CODE_COMPLETE,
        msg="Supervise complete",
        status=Status.VERIFIED if n % 4 else Status.FAILED,
        summary="checksum verified",
        size=51_200,
        has_thumbnail=True,
        upload_state=UploadState.UPLOADED,
        upload_tries=1,
        upload_location=f"/storage/{key}",
        uploaded_at=when.isoformat(),
        upload_ms=9.0,
        notify_state=NotifyState.DELIVERED,
        attempts=(Attempt(1, when.isoformat(), 200, 9.0, True, "", '{"ok": true}'),),
        callbacks=(
            Callback(n, when.isoformat(), "127.0.0.1", request, key, 1, 200, True, "ok", 200),
        ),
    )


def paints(viewport: QWidget) -> float:
    """The median of PAINTS repaints, ms."""
    times = []
    for _ in range(PAINTS):
        began = time.perf_counter()
        viewport.repaint()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    model = TimelineModel()
    panel = TimelinePanel(model)
    panel.resize(900, 700)
    panel.show()
    model.apply([row(n) for n in range(1, ROWS + 1)])
    image = QImage(192, 108, QImage.Format.Format_RGB888)
    image.fill(QColor("#446688"))
    for n in range(1, ROWS + 1):
        model.thumbnail_ready(n, image)
    app.processEvents()
    viewport = panel.table.viewport()
    alone = paints(viewport)

    stop = threading.Event()

    def spin() -> None:
        total = 0
        while not stop.is_set():
            for i in range(1000):
                total += i

    busy = threading.Thread(target=spin, name="python-spinner")
    busy.start()
    interval = sys.getswitchinterval()
    try:
        loaded = paints(viewport)
        sys.setswitchinterval(LONG_SWITCH_S)
        loaded_long = paints(viewport)
    finally:
        sys.setswitchinterval(interval)
        stop.set()
        busy.join()
    shown = len(panel.rows_in_view())
    print(f"timeline repaint, {shown} rows in view, median of {PAINTS}:")
    print(f"  alone (floor)                                  {alone:7.2f} ms")
    print(
        f"  with a thread running Python                   {loaded:7.2f} ms"
        f"   ratio {loaded / alone:.2f}"
    )
    print(
        f"  the same, switch interval {LONG_SWITCH_S * 1000:g} ms"
        f"               {loaded_long:7.2f} ms   ratio {loaded_long / alone:.2f}"
    )
    print(
        f"  (a repaint that called into Python would wait up to the switch interval,"
        f" {interval * 1000:g} ms, per call; with {LONG_SWITCH_S * 1000:g} ms, one call would"
        " show in the median)"
    )
    panel.close()


if __name__ == "__main__":
    main()
