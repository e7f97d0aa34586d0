"""Soak: 8 users at 1 s for the run's length, watching what must stay bounded.

One real session as the app runs it (Engine + Session, the test pattern, local storage, the
embedded webhook, 8 users, a shot each a second), sampled once a second: the process's RSS and
open files, the spool folder's bytes, and the journal's content (its pages in use). Each row
compares the end of the run with a floor taken from the same run:
- RSS and open files: at the end against just after the warm-up (the first quarter of the run,
  at least 3 s): flat is a ratio of 1 (open files: a few more than at warm-up at most);
- the spool: its bytes at the end against its bound on kept images (what a day of running may
  hold): at most 1;
- the journal: its growth per second in the second half against the first half: 1 when it
  grows linearly (retention, `--keep-days`, then bounds it at that many days of growth).
Every row's notes give the growth per hour extrapolated to a day.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import Bench, BenchError, Context, Row
from capture import events
from capture.engine import Engine
from capture.events import Event
from capture.journal.schema import connect
from capture.paths import DataDir
from capture.settings.model import CaptureSettings, Settings, StorageKind, StorageSettings
from capture.sources import make_source

USERS = 8
INTERVAL_S = 1
WARM_UP_SHARE = 0.25
MB = 1024 * 1024
DAY_S = 86_400
RSS_GOAL = 1.10
FILES_SLACK = 4  # descriptors a busy moment may hold open (a connection, a spool write)
JOURNAL_GOAL = 1.25
ROW_RSS = "soak: RSS, end / after warm-up"
ROW_FILES = "soak: open files, end / after warm-up"
ROW_SPOOL = "soak: spool, kept / its bound"
ROW_JOURNAL = "soak: journal growth, 2nd half / 1st half"
PROBLEMS = (events.UPLOAD_FAILED, events.NOTIFY_FAILED, events.CALLBACK_REJECTED, events.WARNING)


@dataclass(frozen=True)
class Sample:
    at: float  # seconds since the session started
    rss: int
    files: int
    spool: int
    journal: int


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise BenchError("no VmRSS in /proc/self/status (the soak needs Linux)")


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def folder_bytes(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        try:
            if path.is_file():
                total += path.stat().st_size
        except OSError:  # trimmed while we looked
            continue
    return total


def journal_bytes(journal: Path) -> int:
    """The journal's content in bytes: its pages in use, as a reader sees them (the WAL's
    included). The files' sizes would mostly measure the WAL, which grows by whole pages per
    commit until a checkpoint and never shrinks."""
    conn = connect(journal, readonly=True)
    try:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    return int((pages - free) * size)


class Problems:
    """The engine's sink: what went wrong, if anything (the soak must run clean)."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        if event.name in PROBLEMS:
            with self._lock:
                self.seen.append(f"{event.name}: {event.fields}")


def run(ctx: Context) -> list[Row]:
    seconds = ctx.scale.soak_seconds
    data_dir = DataDir.resolve(ctx.workdir / "data")
    problems = Problems()
    engine = Engine(data_dir, problems)
    samples: list[Sample] = []
    try:
        source = make_source("synthetic")
        source.open()
        engine.use_source(source, already_open=True)
        if engine.slot.wait_newer(-1, 10.0) is None:
            raise BenchError("the test pattern gave no frame")
        engine.start_webhook("127.0.0.1", 0)
        settings = Settings(
            capture=CaptureSettings(source="synthetic", interval=INTERVAL_S, users=USERS),
            storage=StorageSettings(kind=StorageKind.LOCAL, directory=str(ctx.workdir / "shots")),
        ).validated()
        session = engine.start_session(settings)
        ctx.log(f"{USERS} users, a shot each every {INTERVAL_S} s, for {seconds:g} s")
        started = time.monotonic()
        while (now := time.monotonic() - started) < seconds:
            samples.append(
                Sample(
                    now,
                    rss_bytes(),
                    open_files(),
                    folder_bytes(data_dir.spool),
                    journal_bytes(data_dir.journal),
                )
            )
            time.sleep(1.0)  # a sampling period, not a synchronisation
        shots = session.progress.summary()["shots"]
        bound = engine.spool.keep_uploaded_bytes + engine.spool.cap_bytes
    finally:
        stuck = engine.close()
    if stuck:
        raise BenchError(f"engine loops did not stop: {stuck}")
    if problems.seen:
        raise BenchError(f"the soak reported problems: {problems.seen[:3]}")
    if len(samples) < 4:
        raise BenchError(f"only {len(samples)} samples: the soak is too short")
    return rows(samples, shots, bound)


def per_day(first: float, last: float, seconds: float) -> float:
    return (last - first) / seconds * DAY_S if seconds > 0 else 0.0


def rows(samples: list[Sample], shots: int, spool_bound: int) -> list[Row]:
    warm = next(
        (s for s in samples if s.at >= max(3.0, samples[-1].at * WARM_UP_SHARE)), samples[0]
    )
    end = samples[-1]
    span = end.at - warm.at
    mid = samples[len(samples) // 2]
    first_half = (mid.journal - samples[0].journal) / max(mid.at - samples[0].at, 1e-9)
    second_half = (end.journal - mid.journal) / max(end.at - mid.at, 1e-9)
    run = f"{shots} shots in {end.at:.0f} s ({USERS} users at {INTERVAL_S} s), sampled each second"
    return [
        Row(
            ROW_RSS,
            "MB",
            end.rss / MB,
            warm.rss / MB,
            f"ratio <= {RSS_GOAL}",
            end.rss <= warm.rss * RSS_GOAL,
            (
                f"ours: RSS at the end; floor: at {warm.at:.0f} s; {run}",
                f"growth {per_day(warm.rss, end.rss, span) / MB:+.0f} MB a day at this rate",
            ),
        ),
        Row(
            ROW_FILES,
            "files",
            end.files,
            warm.files,
            f"ours <= floor + {FILES_SLACK}",
            end.files <= warm.files + FILES_SLACK,
            (f"ours: open files at the end; floor: at {warm.at:.0f} s; {run}",),
        ),
        Row(
            ROW_SPOOL,
            "MB",
            end.spool / MB,
            spool_bound / MB,
            "ratio <= 1",
            end.spool <= spool_bound,
            (
                "ours: the spool folder's bytes at the end; floor: its bound (images kept after"
                " upload, plus the cap on those waiting)",
                f"growth {per_day(warm.spool, end.spool, span) / MB:+.0f} MB a day at this rate,"
                " until the bound",
            ),
        ),
        Row(
            ROW_JOURNAL,
            "KB/s",
            second_half / 1024,
            first_half / 1024,
            f"ratio <= {JOURNAL_GOAL}",
            second_half <= first_half * JOURNAL_GOAL if first_half > 0 else second_half == 0,
            (
                f"ours: the journal's growth (pages in use) in the second half; floor: the first;"
                f" {end.journal / MB:.1f} MB at the end",
                f"{second_half * DAY_S / MB:.0f} MB a day at this rate; retention keeps"
                " --keep-days of it (30 by default)",
            ),
        ),
    ]


BENCH = Bench(
    "soak",
    f"Soak: {USERS} users at {INTERVAL_S} s, what must stay bounded",
    (ROW_RSS, ROW_FILES, ROW_SPOOL, ROW_JOURNAL),
    run,
)
