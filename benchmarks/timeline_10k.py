"""How the timeline copes with 10,000 shots: journal reads, model feed, filter switch.

    uv run benchmarks/timeline_10k.py

Prints each step's time and its ratio to a floor measured in the same run (a bare SELECT of
the same rows), so the numbers compare across machines.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication

from capture.journal.reader import StatusGroup, TimelineReader, TimelineRow
from capture.journal.writer import Journal, NewShot
from gui.timeline.feed import FIRST_BATCH
from gui.timeline.model import MAX_ROWS, TimelineModel
from gui.timeline.view import TimelinePanel

ROWS = 10_000
SID = "0" * 32


def fill(journal: Journal) -> None:
    session = journal.start_session(source="bench", storage="local", callback_url="", settings={})
    for n in range(ROWS):
        shot = journal.add_shot(
            NewShot(
                session,
                n,
                SID,
                1,
                "c",
                f"20250101/{SID}_c__uid_s_1__uid_e_video_{n:017d}.jpg",
                f"20250101{n % 86400:09d}",
                200,
                "Supervise complete",
                1280,
                720,
                50_000,
                f"/spool/{n}.jpg",
                b"\xff\xd8thumb",
            )
        )
        journal.upload_succeeded(shot, f"/s/{n}.jpg", 5.0)
        journal.notification_created(shot, f"r{n}", "{}", "http://h/cb")
        journal.add_attempt(
            shot, f"r{n}", 1, status=200, ms=5.0, ok=n % 10 != 0, error="", body_excerpt=""
        )
        journal.notify_finished(shot, n % 10 != 0)


def timed(label: str, floor: float, action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    took = time.perf_counter() - started
    print(f"{label:<40} {took * 1000:8.1f} ms  {took / floor:6.1f}x floor")
    return took


def models(
    app: QApplication, floor: float, window: list[TimelineRow], batches: list[list[TimelineRow]]
) -> None:
    def feed(model: TimelineModel, chunks: list[list[TimelineRow]]) -> None:
        for rows in chunks:
            model.apply(rows)
            app.processEvents()

    # Every row of the history through a model (it keeps the newest MAX_ROWS).
    history = TimelineModel()
    history_panel = TimelinePanel(history)
    history_panel.resize(1000, 700)
    history_panel.show()
    timed("model: all 20 batches, repaint each", floor, lambda: feed(history, batches))
    history_panel.close()
    # As the window starts: the newest rows only, in batches, each on the GUI thread.
    model = TimelineModel()
    panel = TimelinePanel(model)
    panel.resize(1000, 700)
    panel.show()
    chunks = [window[at : at + FIRST_BATCH] for at in range(0, len(window), FIRST_BATCH)]
    label = f"model: the window in {len(chunks)} batches"
    took = timed(label, floor, lambda: feed(model, chunks))
    print(f"  {took / len(chunks) * 1000:.1f} ms of the GUI thread per batch of {FIRST_BATCH}")

    def show_failed() -> None:
        panel.set_filter(StatusGroup.FAILED)
        app.processEvents()

    def show_all() -> None:
        panel.set_filter(None)
        app.processEvents()

    timed("filter: failed only", floor, show_failed)
    print(f"rows shown after the filter: {panel.proxy.rowCount():,} of {model.rowCount():,}")
    timed("filter: all", floor, show_all)


def main() -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory() as folder:
        journal = Journal(Path(folder) / "journal.sqlite3")
        fill(journal)
        conn = sqlite3.connect(Path(folder) / "journal.sqlite3")
        started = time.perf_counter()
        conn.execute("SELECT * FROM shots").fetchall()
        floor = time.perf_counter() - started
        print(f"floor: bare SELECT of {ROWS:,} shots          {floor * 1000:8.1f} ms")
        reader = TimelineReader(journal.path)
        batches: list[list[TimelineRow]] = []

        def read_all() -> None:
            seq = 0
            while True:
                batch = reader.rows_since(seq)
                batches.append(batch.rows)
                seq = batch.seq
                if not batch.more:
                    break

        timed("rows_since: all rows in batches of 500", floor, read_all)
        window: list[TimelineRow] = []
        timed(
            f"newest(): the window's {MAX_ROWS:,} rows",
            floor,
            lambda: window.extend(reader.newest(MAX_ROWS).rows),
        )
        timed("counters()", floor, reader.counters)

        models(app, floor, window, batches)
        reader.close()
        journal.close()
        conn.close()


if __name__ == "__main__":
    main()
