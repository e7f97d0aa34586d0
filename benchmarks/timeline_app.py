"""The timeline, measured from inside: `python -m benchmarks.timeline_app MODE ...`.

Run by benchmarks/timeline.py (through `benchmarks.child`) in a process of its own, on Qt's
offscreen platform, so the benchmark's process stays Qt-free. It prints one line
`RESULT {json}` on stdout and exits.

- `timeline`: a journal on disk with `--shots` shots (one in ten failed); the reads the window's
  feed makes (its start: the newest rows and the counters; every row, in batches) against a bare
  SELECT of the same shots; the window's first batches through the panel (`show_rows`, then
  the paint) and the filter switch, against a bare Qt table given the same rows as plain text.
- `repaint`: a 40-row timeline (11 rows in view) repainted `--paints` times alone, then while a
  thread spins in Python, with the usual switch interval and with a 20 ms one.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ParamSpec

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSortFilterProxyModel
from PySide6.QtGui import QColor, QImage, QStandardItemModel
from PySide6.QtWidgets import QApplication, QTableView, QWidget

from benchmarks.child import report
from capture.journal.reader import (
    DEFAULT_BATCH,
    Attempt,
    Callback,
    Counters,
    RowKind,
    Status,
    StatusGroup,
    TimelineReader,
    TimelineRow,
)
from capture.journal.states import NotifyState, UploadState
from capture.journal.writer import Journal, NewShot
from capture.spec.payload import CODE_COMPLETE, MSG_COMPLETE
from gui.timeline.feed import FIRST_BATCH
from gui.timeline.model import MAX_ROWS, TimelineModel
from gui.timeline.view import TimelinePanel

SID = "0" * 32
PANEL_SIZE = (1000, 700)
COLUMNS = 6
PAINT_ROWS = 40
PAINT_SIZE = (900, 700)
LONG_SWITCH_S = 0.02
T0 = datetime(2026, 1, 1, tzinfo=UTC)
P = ParamSpec("P")


def app() -> QApplication:
    existing = QApplication.instance()
    made = existing if isinstance(existing, QApplication) else QApplication([])
    return made


def ms_of(action: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> float:
    began = time.perf_counter()
    action(*args, **kwargs)
    return (time.perf_counter() - began) * 1000


# -- the timeline with many shots in the journal ------------------------------------------------


def fill(journal: Journal, shots: int) -> None:
    """`shots` shots, each uploaded and notified once; every tenth notification failed."""
    session = journal.start_session(source="bench", storage="local", callback_url="", settings={})
    for n in range(shots):
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
        ok = n % 10 != 0
        journal.add_attempt(shot, f"r{n}", 1, status=200, ms=5.0, ok=ok, error="", body_excerpt="")
        journal.notify_finished(shot, ok)


def read_every_row(reader: TimelineReader) -> list[TimelineRow]:
    """Every row, in the feed's batches (`rows_since` from the start)."""
    rows: list[TimelineRow] = []
    seq, more = 0, True
    while more:
        batch = reader.rows_since(seq)
        rows += batch.rows
        seq, more = batch.seq, batch.more
    return rows


def reads(path: Path, reader: TimelineReader, reps: int) -> dict[str, Any]:
    """Ours and the bare SELECT of the same shots, alternated, `reps` times each."""
    bare = sqlite3.connect(path)
    newest = "SELECT * FROM shots ORDER BY id DESC LIMIT ?"
    out: dict[str, list[float]] = {"start": [], "start_floor": [], "all": [], "all_floor": []}
    try:
        for rep in range(reps):
            steps: list[tuple[str, Callable[[], object]]] = [
                ("start_floor", lambda: bare.execute(newest, (MAX_ROWS,)).fetchall()),
                ("start", lambda: (reader.newest(MAX_ROWS), reader.counters())),
                ("all_floor", lambda: bare.execute("SELECT * FROM shots").fetchall()),
                ("all", lambda: read_every_row(reader)),
            ]
            for name, action in steps if rep % 2 == 0 else reversed(steps):
                out[name].append(ms_of(action))
    finally:
        bare.close()
    return out


def chunks(rows: list[TimelineRow]) -> list[list[TimelineRow]]:
    return [rows[at : at + FIRST_BATCH] for at in range(0, len(rows), FIRST_BATCH)]


@contextmanager
def shown(widget: QWidget) -> Iterator[None]:
    widget.resize(*PANEL_SIZE)
    widget.show()
    app().processEvents()
    try:
        yield
    finally:
        widget.close()
        widget.deleteLater()
        app().processEvents()


def our_window(reader: TimelineReader) -> dict[str, Any]:
    """The window's start as the feed delivers it: the newest rows in batches, oldest first,
    the first one fresh, the counters with the last; each batch shown and painted (the GUI
    thread's time for it). Then the filter to failed shots and back, among the rows kept."""
    start = reader.newest(MAX_ROWS)
    counters = reader.counters()
    panel = TimelinePanel(TimelineModel())
    batches: list[float] = []
    with shown(panel):
        parts = chunks(start.rows)
        for at, part in enumerate(parts):
            last = at == len(parts) - 1
            batches.append(ms_of(show, panel, part, counters if last else None, at == 0))
        to_failed = ms_of(switch, panel, StatusGroup.FAILED)
        failed_shown = panel.proxy.rowCount()
        to_all = ms_of(switch, panel, None)
        kept = panel.model.rowCount()
    return {
        "batches": batches,
        "to_failed": to_failed,
        "to_all": to_all,
        "failed_shown": failed_shown,
        "kept": kept,
    }


def show(
    panel: TimelinePanel, rows: list[TimelineRow], counters: Counters | None, fresh: bool
) -> None:
    panel.show_rows(rows, counters, fresh)
    app().processEvents()


def switch(panel: TimelinePanel, group: StatusGroup | None) -> None:
    panel.set_filter(group)
    app().processEvents()


def cells(row: TimelineRow) -> tuple[str, ...]:
    """The floor's six cells: the row's fields as they are, no formatting."""
    return (
        row.object_key,
        row.status.group.value,
        row.msg,
        str(row.upload_state or ""),
        str(len(row.attempts)),
        row.summary,
    )


def bare_window(reader: TimelineReader) -> dict[str, Any]:
    """The floor: a plain `QStandardItemModel` behind a `QSortFilterProxyModel` in a plain
    `QTableView`, given the same batches as six plain-text cells a row (no icons, colours or
    roles), each batch inserted on top, announced once and painted; then a fixed-string filter
    on the status column to failed rows and back."""
    model = QStandardItemModel(0, COLUMNS)
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setFilterKeyColumn(1)
    table = QTableView()
    table.setModel(proxy)
    batches: list[float] = []

    def insert(part: list[TimelineRow]) -> None:
        model.insertRows(0, len(part))
        blocked = model.blockSignals(True)  # one dataChanged for the batch, as ours sends
        for view, row in enumerate(reversed(part)):
            for column, text in enumerate(cells(row)):
                model.setData(model.index(view, column), text)
        model.blockSignals(blocked)
        model.dataChanged.emit(model.index(0, 0), model.index(len(part) - 1, COLUMNS - 1))
        app().processEvents()

    def bare_filter(text: str) -> None:
        proxy.setFilterFixedString(text)
        app().processEvents()

    with shown(table):
        for part in chunks(reader.newest(MAX_ROWS).rows):
            batches.append(ms_of(insert, part))
        to_failed = ms_of(bare_filter, StatusGroup.FAILED.value)
        failed_shown = proxy.rowCount()
        to_all = ms_of(bare_filter, "")
    return {
        "batches": batches,
        "to_failed": to_failed,
        "to_all": to_all,
        "failed_shown": failed_shown,
    }


def timeline(opts: argparse.Namespace) -> dict[str, Any]:
    folder = Path(opts.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "journal.sqlite3"
    journal = Journal(path)
    began = time.perf_counter()
    fill(journal, opts.shots)
    filled_s = time.perf_counter() - began
    reader = TimelineReader(path)
    try:
        app()
        result: dict[str, Any] = {
            "shots": opts.shots,
            "fill_s": filled_s,
            "window": len(reader.newest(MAX_ROWS).rows),
            "batch_rows": FIRST_BATCH,
            "read_batch": DEFAULT_BATCH,
        }
        result["reads"] = reads(path, reader, opts.reps)
        result["ours"], result["floor"] = [], []
        for rep in range(opts.reps):
            for side in ("floor", "ours") if rep % 2 == 0 else ("ours", "floor"):
                window = our_window(reader) if side == "ours" else bare_window(reader)
                result[side].append(window)
    finally:
        reader.close()
        journal.close()
    return result


# -- one repaint, alone and while a thread runs Python -------------------------------------------


def paint_row(n: int) -> TimelineRow:
    when = T0 + timedelta(seconds=n)
    digits = when.strftime("%Y%m%d%H%M%S") + "000"
    key = f"20260101/{'5' * 32}_demo__uid_s_1001__uid_e_video_{digits}.jpg"
    request = f"{'5' * 32}_{n:010d}_{'a' * 32}"
    return TimelineRow(
        kind=RowKind.SHOT,
        id=n,
        seq=n,
        when=when,
        object_key=key,
        request_id=request,
        code=CODE_COMPLETE,
        msg=MSG_COMPLETE,
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


def repaints(viewport: QWidget, count: int) -> float:
    """The median of `count` repaints, ms."""
    return statistics.median(ms_of(viewport.repaint) for _ in range(count))


@contextmanager
def python_spinning(switch_interval: float | None = None) -> Iterator[None]:
    """A thread running Python meanwhile (and the interpreter's switch interval set)."""
    stop = threading.Event()

    def spin() -> None:
        total = 0
        while not stop.is_set():
            for i in range(1000):
                total += i

    usual = sys.getswitchinterval()
    busy = threading.Thread(target=spin, name="python-spinner")
    busy.start()
    try:
        if switch_interval is not None:
            sys.setswitchinterval(switch_interval)
        yield
    finally:
        sys.setswitchinterval(usual)
        stop.set()
        busy.join()


def repaint(opts: argparse.Namespace) -> dict[str, Any]:
    app()
    model = TimelineModel()
    panel = TimelinePanel(model)
    panel.resize(*PAINT_SIZE)
    panel.show()
    model.apply([paint_row(n) for n in range(1, PAINT_ROWS + 1)])
    image = QImage(192, 108, QImage.Format.Format_RGB888)
    image.fill(QColor("#446688"))
    for n in range(1, PAINT_ROWS + 1):
        model.thumbnail_ready(n, image)
    app().processEvents()
    viewport = panel.table.viewport()
    alone = repaints(viewport, opts.paints)
    with python_spinning():
        loaded = repaints(viewport, opts.paints)
    with python_spinning(LONG_SWITCH_S):
        loaded_long = repaints(viewport, opts.paints)
    result = {
        "paints": opts.paints,
        "rows": PAINT_ROWS,
        "in_view": len(panel.rows_in_view()),
        "alone_ms": alone,
        "loaded_ms": loaded,
        "loaded_long_ms": loaded_long,
        "switch_ms": sys.getswitchinterval() * 1000,
        "long_switch_ms": LONG_SWITCH_S * 1000,
    }
    panel.close()
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.timeline_app")
    p.add_argument("mode", choices=["timeline", "repaint"])
    p.add_argument("--data-dir", required=True)
    p.add_argument("--shots", type=int, default=10_000, help="timeline: shots in the journal")
    p.add_argument("--reps", type=int, default=1, help="timeline: runs of ours and the floor")
    p.add_argument("--paints", type=int, default=60, help="repaint: repaints of each kind")
    opts = p.parse_args(argv)
    report({"timeline": timeline, "repaint": repaint}[opts.mode](opts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
