"""The harness: what a measurement reports (`Row`), how big a run is (`Scale`), the benches
that produce rows (`Bench`), and the printed table.

Every row compares our figure with a floor measured in the same run, and its ratio is always
ours / floor: for a time, lower is better (goal such as "<= 1.5"); for a rate, higher is better
(goal such as ">= 0.8"). A bench reports the rows it declares, in order, or fails the run.
"""

from __future__ import annotations

import importlib.util
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO


@dataclass(frozen=True)
class Scale:
    """How much work each bench does. `full` is the documented run; `quick` fits in 45 s;
    `tiny` only proves every bench runs end to end (the smoke test)."""

    name: str
    shots: int  # shots of the latency/schedule session, 1 s apart
    s3_puts: int  # objects per timed S3 run (a multiple of the 8 users)
    webhook_requests: int  # callbacks per timed webhook run
    reps: int  # timed runs of ours and of the floor, alternated (median reported)
    sweep: bool  # also try other upload worker counts (is the default the limit?)
    preview_seconds: float  # the window's preview, measured while uploads stall
    memory_shots: int  # shots through the window for its memory row (the floor is at 100)
    startup_reps: int  # timed start-ups of main.py and of the floor, alternated
    timeline_shots: int  # shots in the journal the timeline reads (the window shows the newest)
    repaints: int  # timeline repaints of each kind (alone, beside a thread running Python)
    soak_seconds: float  # the soak's length: 8 users, a shot each a second


FULL = Scale(
    "full",
    shots=30,
    s3_puts=480,
    webhook_requests=10_000,
    reps=3,
    sweep=True,
    preview_seconds=10.0,
    memory_shots=5_000,
    startup_reps=5,
    timeline_shots=10_000,
    repaints=60,
    soak_seconds=600.0,
)
QUICK = Scale(
    "quick",
    shots=8,
    s3_puts=160,
    webhook_requests=3_000,
    reps=1,
    sweep=False,
    preview_seconds=2.5,
    memory_shots=250,
    startup_reps=1,
    timeline_shots=2_500,
    repaints=30,
    soak_seconds=30.0,
)
TINY = Scale(
    "tiny",
    shots=2,
    s3_puts=16,
    webhook_requests=200,
    reps=1,
    sweep=False,
    preview_seconds=1.0,
    memory_shots=150,
    startup_reps=1,
    timeline_shots=300,
    repaints=10,
    soak_seconds=5.0,
)
SCALES = {s.name: s for s in (FULL, QUICK, TINY)}


@dataclass(frozen=True)
class Row:
    """One line of the table: our figure against the floor's, and whether the goal is met."""

    measurement: str
    unit: str
    ours: float
    floor: float
    goal: str  # how the goal reads, e.g. "ratio <= 1.5" or "every shot <= 15 ms late"
    met: bool | None  # None: no goal for this row (shown for context)
    notes: tuple[str, ...] = ()

    @property
    def ratio(self) -> float:
        if self.floor == 0:
            return math.inf if self.ours else 1.0
        return self.ours / self.floor

    @property
    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: "-"}[self.met]


@dataclass
class Context:
    """What a bench gets: the scale, a scratch folder of its own, and a progress printer."""

    scale: Scale
    workdir: Path
    stream: TextIO = field(default=sys.stderr)

    def log(self, message: str) -> None:
        print(f"  .. {message}", file=self.stream, flush=True)


@dataclass(frozen=True)
class Bench:
    """A group of rows measured together. `needs` names what must be there to run it:
    "engine" for capture/ alone, "gui" for the window's rows (PySide6, run by the bench in a
    child process on Qt's offscreen platform; see `missing`)."""

    name: str
    title: str
    rows: tuple[str, ...]
    run: Callable[[Context], list[Row]]
    needs: str = "engine"


def missing(needs: str) -> str:
    """Why a bench needing `needs` cannot run here ("" when it can). Checked without importing
    Qt, so this process stays Qt-free."""
    if needs == "gui" and importlib.util.find_spec("PySide6") is None:
        return "PySide6 is not installed (uv sync installs it)"
    if needs not in ("engine", "gui"):
        return f"unknown need {needs!r}"
    return ""


class BenchError(Exception):
    """A bench could not measure (a server did not start, work was lost, a row is missing)."""


def checked(bench: Bench, rows: list[Row]) -> list[Row]:
    names = tuple(r.measurement for r in rows)
    if names != bench.rows:
        raise BenchError(f"{bench.name} reported rows {names}, declared {bench.rows}")
    return rows


# -- statistics ------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 30 values is the 29th smallest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return float(ordered[rank - 1])


def slope(values: Sequence[float]) -> float:
    """Least-squares slope of values against their index (0 for fewer than 2 values)."""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    num = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return num / den


# -- time and CPU ----------------------------------------------------------------------------


def process_cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) used so far by process `pid` (this one when None); NaN where
    /proc is not there to read another process's."""
    if pid is None:
        return time.process_time()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Stopwatch:
    """Wall time, and the CPU this process and `other` (a server's pid) used meanwhile."""

    other: int | None = None
    seconds: float = 0.0
    cpu: float = 0.0
    other_cpu: float = 0.0

    def __enter__(self) -> Stopwatch:
        self._t0 = time.perf_counter()
        self._cpu0 = process_cpu_seconds()
        self._other0 = process_cpu_seconds(self.other) if self.other else math.nan
        return self

    def __exit__(self, *_exc: object) -> None:
        self.seconds = time.perf_counter() - self._t0
        self.cpu = process_cpu_seconds() - self._cpu0
        if self.other:
            self.other_cpu = process_cpu_seconds(self.other) - self._other0


# -- the table -------------------------------------------------------------------------------


def figure(value: float, unit: str) -> str:
    if math.isinf(value) or math.isnan(value):
        return f"{value} {unit}"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:,.{digits}f} {unit}"


def ratio_text(row: Row) -> str:
    return f"ratio {row.ratio:.2f}x floor"


def table(rows: Sequence[Row]) -> list[str]:
    """Plain-text table, one line per row (each holds the word "ratio"), notes beneath."""
    head = ("measurement", "ours", "floor", "ratio (ours/floor)", "goal", "")
    cells = [
        (r.measurement, figure(r.ours, r.unit), figure(r.floor, r.unit), ratio_text(r), r.goal)
        for r in rows
    ]
    widths = [max(len(str(c[i])) for c in [head[:5], *cells]) for i in range(5)]

    def line(values: Sequence[str], verdict: str) -> str:
        left, *rest = values
        parts = [left.ljust(widths[0])]
        parts += [
            v.rjust(widths[i + 1]) if i < 2 else v.ljust(widths[i + 1]) for i, v in enumerate(rest)
        ]
        return "  ".join(parts) + "  " + verdict

    out = [line(head[:5], "verdict"), "-" * (sum(widths) + 2 * 5 + 7)]
    for row, cell in zip(rows, cells, strict=True):
        out.append(line(cell, row.verdict))
        out += [f"    {note}" for note in row.notes]
    return out


def markdown(rows: Sequence[Row]) -> list[str]:
    out = [
        "| measurement | ours | floor | ratio (ours/floor) | goal | verdict |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for r in rows:
        out.append(
            f"| {r.measurement} | {figure(r.ours, r.unit)} | {figure(r.floor, r.unit)} |"
            f" {r.ratio:.2f} | {r.goal} | {r.verdict} |"
        )
    notes = [f"- **{r.measurement}**: {note}" for r in rows for note in r.notes]
    return [*out, "", *notes] if notes else out
