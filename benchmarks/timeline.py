"""The timeline's rows: the window's start with many shots in the journal, and a repaint while
other threads run Python.

Each runs in a child process on Qt's offscreen platform (`benchmarks/timeline_app.py`, run by
`benchmarks.child`), which reports what it measured as one `RESULT {json}` line.
"""

from __future__ import annotations

from typing import Any

from benchmarks.child import run_child
from benchmarks.harness import Bench, Context, Row, median

APP = "benchmarks.timeline_app"  # the child
READ_GOAL = 15.0  # our reads against a bare SELECT of the same shots
GUI_GOAL = 2.0  # the panel's GUI-thread work against a bare Qt table's
REPAINT_GOAL = 2.0
START_ROW = "timeline: window's start, newest rows read"
ALL_ROW = "timeline: every row read, in the feed's batches"
BATCH_ROW = "timeline: GUI thread per batch of the window's start"
FILTER_ROW = "timeline: filter switch, GUI thread"
LONG_ROW = "timeline repaint, thread running Python, long switch"
USUAL_ROW = "timeline repaint, thread running Python, usual switch"


# -- the window's start with many shots in the journal -------------------------------------------


def run_timeline(ctx: Context) -> list[Row]:
    shots = ctx.scale.timeline_shots
    result = run_child(ctx, APP, "timeline", ["--shots", str(shots), "--reps", str(ctx.scale.reps)])
    ctx.log(f"{shots:,} shots journaled in {result['fill_s']:.1f} s")
    return [*read_rows(result), *window_rows(result)]


def read_rows(r: dict[str, Any]) -> list[Row]:
    reads = r["reads"]
    start, start_floor = median(reads["start"]), median(reads["start_floor"])
    every, every_floor = median(reads["all"]), median(reads["all_floor"])
    runs = f"{len(reads['start'])} run(s) each, alternated, medians"
    return [
        Row(
            START_ROW,
            "ms",
            start,
            start_floor,
            f"ratio <= {READ_GOAL:g}",
            start <= READ_GOAL * start_floor,
            (
                f"ours: TimelineReader.newest for the window's {r['window']:,} rows and its"
                f" counters, {r['shots']:,} shots in the journal (the feed's start); floor: a"
                f" bare SELECT * of the same newest shots; {runs}",
            ),
        ),
        Row(
            ALL_ROW,
            "ms",
            every,
            every_floor,
            f"ratio <= {READ_GOAL:g}",
            every <= READ_GOAL * every_floor,
            (
                f"ours: rows_since from the start until no more, {r['shots']:,} rows in batches"
                f" of {r['read_batch']}, each with its attempts and callbacks; floor: a bare"
                f" SELECT * of every shot; {runs}",
            ),
        ),
    ]


def window_rows(r: dict[str, Any]) -> list[Row]:
    ours, floor = r["ours"], r["floor"]
    batch = median([ms for w in ours for ms in w["batches"]])
    batch_floor = median([ms for w in floor for ms in w["batches"]])
    worst = max(ms for w in ours for ms in w["batches"])
    switch = median([max(w["to_failed"], w["to_all"]) for w in ours])
    switch_floor = median([max(w["to_failed"], w["to_all"]) for w in floor])
    bare = (
        "a plain QStandardItemModel behind a QSortFilterProxyModel in a plain QTableView, the"
        " same rows as six plain-text cells"
    )
    return [
        Row(
            BATCH_ROW,
            "ms",
            batch,
            batch_floor,
            f"ratio <= {GUI_GOAL:g}",
            batch <= GUI_GOAL * batch_floor,
            (
                f"ours: TimelinePanel.show_rows and the paint after it, per batch of"
                f" {r['batch_rows']} as the feed delivers the window's {r['window']:,} rows"
                f" ({len(ours[0]['batches'])} batches, median of {len(ours)} start(s); worst"
                f" {worst:.1f} ms); floor: {bare}, each batch inserted on top and painted",
            ),
        ),
        Row(
            FILTER_ROW,
            "ms",
            switch,
            switch_floor,
            f"ratio <= {GUI_GOAL:g}",
            switch <= GUI_GOAL * switch_floor,
            (
                f"ours: set_filter to failed shots ({ours[0]['failed_shown']:,} of"
                f" {ours[0]['kept']:,} rows shown) or back to all, and the paint, the slower of"
                f" the two (the feed then reads the group's newest rows, off the GUI thread, and"
                f" delivers them as batches like the start's); floor: {bare}, a fixed-string"
                " filter on the status column",
            ),
        ),
    ]


# -- a repaint while a thread runs Python --------------------------------------------------------


def run_repaint(ctx: Context) -> list[Row]:
    result = run_child(ctx, APP, "repaint", ["--paints", str(ctx.scale.repaints)])
    return repaint_rows(result)


def repaint_rows(r: dict[str, Any]) -> list[Row]:
    alone = r["alone_ms"]
    what = (
        f"median of {r['paints']} repaints of the timeline's viewport ({r['in_view']} of"
        f" {r['rows']} rows in view, with thumbnails, offscreen)"
    )
    return [
        Row(
            LONG_ROW,
            "ms",
            r["loaded_long_ms"],
            alone,
            f"ratio <= {REPAINT_GOAL:g}",
            r["loaded_long_ms"] <= REPAINT_GOAL * alone,
            (
                f"ours: the {what} while a thread spins in Python, switch interval"
                f" {r['long_switch_ms']:g} ms; floor: the same repaints alone. A repaint that"
                " called into Python even once would wait for the interpreter lock, up to the"
                " switch interval",
            ),
        ),
        Row(
            USUAL_ROW,
            "ms",
            r["loaded_ms"],
            alone,
            "-",
            None,
            (
                f"ours: the same with the usual switch interval ({r['switch_ms']:g} ms); shown"
                " for context: the measuring loop is Python, so it may wait once per repaint"
                " for the lock",
            ),
        ),
    ]


TIMELINE = Bench(
    name="timeline",
    title="the timeline with many shots in the journal: reads, the window's start, the filter",
    rows=(START_ROW, ALL_ROW, BATCH_ROW, FILTER_ROW),
    run=run_timeline,
    needs="gui",
)

REPAINT = Bench(
    name="repaint",
    title="a timeline repaint alone and while a thread runs Python",
    rows=(LONG_ROW, USUAL_ROW),
    run=run_repaint,
    needs="gui",
)
