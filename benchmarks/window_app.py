"""The real window, measured from inside: `python -m benchmarks.window_app MODE ...`.

Run by benchmarks/window.py (through `benchmarks.child`) in a process of its own, on Qt's
offscreen platform, so the benchmark's process stays Qt-free. The window is built as `main.py`
builds it (`gui.app.build`: engine, controller, preview, timeline); this module only adds
instruments and drives it. It prints one line `RESULT {json}` on stdout, then closes the window
as its close button would.

- `preview`: a 1920x1080 test pattern at 30 fps, capture every second to an S3 endpoint whose
  PUTs stall; counts the distinct frames the preview paints against the frames the source
  produced, and the GUI thread's longest stall (a 5 ms heartbeat timer's worst lateness).
  With `--plot`, the latency plot is shown and full (600 shots: the session's, after earlier
  ones handed to it as its feed hands them), and its redraws and paints are timed too; without,
  it is hidden.
- `memory`: shots into local storage through the real session (8 users a round, one round per
  new frame rather than per interval), the timeline open and scrolled so it asks for thumbnails;
  the process's RSS after the first 100 shots and after all of them.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer

from benchmarks.child import report
from capture.cli.flags import parse_args
from capture.events import Event, Fanout
from capture.report.stages import Point
from capture.runtime import StopToken
from capture.settings.store import SessionSecrets
from capture.sources import SyntheticSource
from gui.app import App, application, build
from gui.engine_events import EventPresenter
from gui.main_window import RunState
from gui.plot import MAX_SHOTS, LatencyPanel
from gui.preview import PreviewWidget
from gui.timeline.detail import DetailPane
from gui.timeline.view import TimelinePanel

HEARTBEAT_MS = 5
WINDOW_SIZE = (1560, 960)  # the size the window opens at on a 1080p desktop
WAIT_S = 60.0
MEMORY_USERS = 8
MAX_OPEN = 64  # shots on their way (uploads + notifications) before the driver waits
FIRST_SHOTS = 100


def rss_bytes() -> int:
    """This process's resident set size, from /proc/self/status (VmRSS, in kB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class ThreadClocks:
    """Every thread's scheduler statistics (Linux `/proc/self/task/TID/schedstat`: ns on a CPU,
    ns runnable but waiting for one), kept open and re-read at each heartbeat, so a long stall
    can be split into the GUI thread's own work, its wait for a CPU, and the rest (blocked: the
    interpreter lock, a mutex, or sleeping), with the threads that ran meanwhile."""

    def __init__(self) -> None:
        self._fds: dict[int, int] = {}
        self.available = Path("/proc/self/task").is_dir()

    def read(self) -> dict[int, tuple[int, int]]:
        if not self.available:
            return {}
        tids = {int(t) for t in os.listdir("/proc/self/task")}
        for gone in set(self._fds) - tids:
            os.close(self._fds.pop(gone))
        out: dict[int, tuple[int, int]] = {}
        for tid in tids:
            try:
                fd = self._fds.get(tid)
                if fd is None:
                    fd = self._fds[tid] = os.open(f"/proc/self/task/{tid}/schedstat", os.O_RDONLY)
                run, wait, _ = os.pread(fd, 128, 0).split()
            except (OSError, ValueError):
                continue
            out[tid] = (int(run), int(wait))
        return out

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()


def thread_names() -> dict[int, str]:
    """Native thread id -> name: Python's names where it knows the thread, else the kernel's."""
    names: dict[int, str] = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            names[int(tid)] = Path(f"/proc/self/task/{tid}/comm").read_text().strip()
        except OSError:
            continue
    for t in threading.enumerate():
        if t.native_id is not None:
            names[t.native_id] = t.name
    return names


class Heartbeat:
    """A precise 5 ms timer on the GUI thread; its lateness is how long the thread was busy.
    With `clocks`, each beat later than 20 ms is explained from the threads' scheduler
    statistics (`stalls`: the GUI thread's ms on a CPU, waiting for a CPU, blocked, and the
    other threads' ms on a CPU during the same interval)."""

    def __init__(self, clocks: ThreadClocks | None = None) -> None:
        self.worst_ms = 0.0
        self.over_20ms = 0
        self.beats = 0
        self._last = 0.0
        self._clocks = clocks
        self._snap: dict[int, tuple[int, int]] = {}
        self._main = threading.get_native_id()
        self.stalls: list[dict[str, Any]] = []
        self._timer = QTimer(interval=HEARTBEAT_MS)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._beat)

    def start(self) -> None:
        self.worst_ms, self.over_20ms, self.beats = 0.0, 0, 0
        self.stalls = []
        self._snap = self._clocks.read() if self._clocks else {}
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _beat(self) -> None:
        now = time.perf_counter()
        late = (now - self._last) * 1000 - HEARTBEAT_MS
        self._last = now
        self.beats += 1
        self.worst_ms = max(self.worst_ms, late)
        snap = self._clocks.read() if self._clocks else {}
        if late > 20:
            self.over_20ms += 1
            if snap:
                stall = self._explain(late + HEARTBEAT_MS, self._snap, snap)
                stall["began"], stall["ended"] = now - (late + HEARTBEAT_MS) / 1000, now
                self.stalls.append(stall)
        self._snap = snap

    def _explain(
        self, span_ms: float, before: dict[int, tuple[int, int]], after: dict[int, tuple[int, int]]
    ) -> dict[str, Any]:
        ms = {
            tid: ((run - before[tid][0]) / 1e6, (wait - before[tid][1]) / 1e6)
            for tid, (run, wait) in after.items()
            if tid in before
        }
        run, wait = ms.pop(self._main, (0.0, 0.0))
        others = sorted(((r, tid) for tid, (r, _w) in ms.items() if r >= 1.0), reverse=True)
        return {
            "span_ms": span_ms,
            "gui_run_ms": run,
            "gui_wait_cpu_ms": wait,
            "gui_blocked_ms": max(0.0, span_ms - run - wait),
            "others_run_ms": sum(r for r, _ in others),
            "others": [[tid, round(r, 1)] for r, tid in others[:6]],
        }

    def stall_report(self, paints: dict[str, PaintTimes] | None = None) -> list[dict[str, Any]]:
        """The stalls, longest first, with thread ids turned into names and, with `paints`,
        the paints that began during each."""
        names = thread_names()
        out = sorted(self.stalls, key=lambda s: -s["span_ms"])
        for s in out:
            s["others"] = [[names.get(tid, str(tid)), r] for tid, r in s["others"]]
            began, ended = s.pop("began"), s.pop("ended")
            s["paints"] = {
                name: [round(t, 1) for t in p.within(began, ended)]
                for name, p in (paints or {}).items()
            }
        return out


class PaintTimes:
    """How long each call of a method took on the GUI thread (wraps it): by default a widget
    class's paintEvent."""

    def __init__(self, cls: type[Any], method: str = "paintEvent") -> None:
        self.times: list[float] = []
        self.began: list[float] = []  # perf_counter() at each call's start, with `times`
        self.on = False
        original = getattr(cls, method)

        def timed(obj: object, *args: object) -> object:
            began = time.perf_counter()
            out = original(obj, *args)
            if self.on:
                self.times.append((time.perf_counter() - began) * 1000)
                self.began.append(began)
            return out

        setattr(cls, method, timed)

    def within(self, start: float, end: float) -> list[float]:
        """The paints (ms) that began between `start` and `end` (perf_counter)."""
        return [t for b, t in zip(self.began, self.times, strict=True) if start <= b < end]

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.times) or [0.0]
        return {
            "count": len(self.times),
            "median": ordered[len(ordered) // 2],
            "max": ordered[-1],
            "total": sum(self.times),
        }


class GcPauses:
    """The cyclic collector's pauses (gc.callbacks), the longest with its generation."""

    def __init__(self) -> None:
        self.on = False
        self.count = 0
        self.worst_ms = 0.0
        self.worst_generation = -1
        self._began = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        elif self.on:
            took = (time.perf_counter() - self._began) * 1000
            self.count += 1
            if took > self.worst_ms:
                self.worst_ms, self.worst_generation = took, info["generation"]

    def summary(self) -> dict[str, float]:
        return {"count": self.count, "worst_ms": self.worst_ms, "generation": self.worst_generation}


def spin(seconds: float) -> None:
    """Run the event loop for `seconds` (the window keeps working meanwhile)."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def spin_until(condition: Callable[[], bool], timeout: float = WAIT_S, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:g} s waiting for {what}")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.005)  # the condition is polled between event batches; nothing to wait on


def make_app(data_dir: str, flags: list[str]) -> App:
    args = parse_args(["--data-dir", data_dir, "--webhook-port", "0", *flags])
    application()
    app = build(args, SessionSecrets())
    app.window.resize(*WINDOW_SIZE)  # the offscreen screen is smaller than a desktop's
    return app


def close(app: App) -> list[str]:
    leftover: list[str] = []
    done = threading.Event()

    def closed(names: list[str]) -> None:
        leftover.extend(names)
        done.set()

    app.controller.closed.connect(closed)
    app.window.close()
    spin_until(done.is_set, 30.0, "the window to close")
    return leftover


# -- preview while uploads stall ---------------------------------------------------------------


def preview(opts: argparse.Namespace) -> dict[str, Any]:
    application()
    clocks = ThreadClocks()
    beat = Heartbeat(clocks)
    beat.start()
    spin(opts.bare_seconds)  # the floor: the same heartbeat with no window yet
    beat.stop()
    bare = {"worst_ms": beat.worst_ms, "beats": beat.beats, "stalls": beat.stall_report()}
    # The timeline's repaint is Qt's own code, with no Python in it (gui/timeline_model.py):
    # wrapping its paintEvent in Python to time it would put back what it measures.
    paints = {"preview": PaintTimes(PreviewWidget)}
    calls = {
        "detail": PaintTimes(DetailPane, "show_detail"),
        "rows": PaintTimes(TimelinePanel, "show_rows"),
        "event": PaintTimes(EventPresenter, "show"),
        "flash": PaintTimes(PreviewWidget, "flash"),
        "packet": PaintTimes(PreviewWidget, "show_packet"),
    }
    if opts.plot:
        pg = importlib.import_module("pyqtgraph")  # as the plot's feed does, off the clock
        paints["plot"] = PaintTimes(pg.GraphicsView)
        calls["plot redraw"] = PaintTimes(LatencyPanel, "_redraw")
    collections = GcPauses()
    flags = ["--source", "synthetic", "--interval", "1", "--autostart"]
    flags += ["--s3-endpoint", opts.s3_endpoint, "--bucket", opts.bucket]
    flags += ["--region", "us-east-1", "--addressing-style", "path"]
    app = make_app(opts.data_dir, flags)
    counts = EventCounts()
    sink = app.engine.sink
    assert isinstance(sink, Fanout)  # as gui.app builds it
    sink.add(counts)
    big = SyntheticSource(1920, 1080, 30.0)
    app.controller.control.submit(lambda: app.engine.use_source(big))
    w = app.window
    spin_until(
        lambda: w.state is RunState.RUNNING and w.preview.source_size == (1920, 1080),
        what="capture running on the 1920x1080 source",
    )
    w.latency.set_visible(opts.plot)
    if opts.plot:
        fill_plot(w.latency)
    spin(opts.warmup)  # the first shots are taken and their uploads are held
    slot, shown = app.engine.slot, w.preview
    produced0, painted0, shots0, stored0 = slot.published, shown.frames_painted, *counts.now()
    began = time.perf_counter()
    beat.start()
    for p in [*paints.values(), *calls.values()]:
        p.on = True
    collections.on = True
    spin(opts.seconds)
    collections.on = False
    for p in [*paints.values(), *calls.values()]:
        p.on = False
    beat.stop()
    seconds = time.perf_counter() - began
    produced, painted = slot.published - produced0, shown.frames_painted - painted0
    shots, stored = (a - b for a, b in zip(counts.now(), (shots0, stored0), strict=True))
    result = {
        "seconds": seconds,
        "produced": produced,
        "painted": painted,
        "shots": shots,
        "uploads_done": stored,
        "uploads_pending": app.engine.session.progress.open_uploads if app.engine.session else 0,
        "preview_size": list(w.preview.size().toTuple()),
        "worst_ms": beat.worst_ms,
        "over_20ms": beat.over_20ms,
        "beats": beat.beats,
        "bare": bare,
        "stalls": beat.stall_report({**paints, **calls}),
        "calls": {name: p.summary() for name, p in calls.items()},
        "paints": {name: p.summary() for name, p in paints.items()},
        "gc": collections.summary(),
        "load": os.getloadavg()[0],
        "plot": {"shown": w.latency.isVisible(), "drawn": w.latency.drawn},
    }
    report(result)
    clocks.close()
    result["stuck"] = close(app)
    return result


FILL_TRIES, FILL_WAIT_S = 20, 3.0


def fill_plot(plot: LatencyPanel) -> None:
    """Fill the plot to its limit with finished shots before this session's (ids below any
    real one: the session's own shots, all stalled in their upload, stay the newest), handed
    over as its feed hands what it reads, so that every redraw draws a full plot."""
    earlier = [
        Point(shot_id, 4.0 + i % 7, 30.0 + i % 13, 6.0 + i % 5, 0.5 + i % 3, 1, 1 + (i % 17 == 0))
        for i, shot_id in enumerate(range(-MAX_SHOTS, 0))
    ]
    # The plot's own feed starts the series over when it first reads the new session (a fresh
    # delivery), which may land after ours: hand them over again until a redraw drew them all.
    for _ in range(FILL_TRIES):
        plot.deliver(False, earlier)
        try:
            spin_until(lambda: plot.drawn >= MAX_SHOTS, FILL_WAIT_S, "the plot drawn full")
        except TimeoutError:
            continue
        return
    raise TimeoutError(f"the plot never drew its {MAX_SHOTS} shots in {FILL_TRIES} tries")


class EventCounts:
    """Shots taken and uploads stored, counted from the engine's events (any thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.shots = 0
        self.stored = 0

    def __call__(self, event: Event) -> None:
        with self._lock:
            if event.name == "shot_captured":
                self.shots += 1
            elif event.name == "upload_succeeded":
                self.stored += 1

    def now(self) -> tuple[int, int]:
        with self._lock:
            return self.shots, self.stored


# -- memory over many shots --------------------------------------------------------------------


class ShotDriver:
    """Runnable: takes a round of shots through the running session for each new frame, as
    its capture loop would at each interval, while at most MAX_OPEN shots are on their way;
    pauses at `checkpoints` until everything has settled (the GUI samples RSS then)."""

    def __init__(self, app: App, total: int, checkpoints: list[int]) -> None:
        self._app = app
        self.total = total
        self.checkpoints = checkpoints
        self.paused_at: int | None = None
        self.resume = threading.Event()
        self.done = threading.Event()
        self.error = ""

    def run(self, stop: StopToken) -> None:
        try:
            self._drive(stop)
        except Exception as exc:  # reported to the GUI thread through `error`
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.done.set()

    def _drive(self, stop: StopToken) -> None:
        session = self._app.engine.session
        assert session is not None
        progress, slot = session.progress, self._app.engine.slot
        tick, last, pending = 10_000, -1, list(self.checkpoints)
        while progress.shots < self.total and not stop.is_set():
            frame = slot.wait_newer(last, 1.0)
            if frame is None:
                continue
            last = frame.index
            progress.wait_for(lambda p: p.open_uploads + p.open_notifies < MAX_OPEN, WAIT_S)
            session.take(tick)
            session.make_thumbnail(before=time.monotonic())  # as the capture loop does, at once
            tick += 1
            if pending and progress.shots >= pending[0]:
                pending.pop(0)
                if not progress.wait_for(lambda p: p.settled, WAIT_S):
                    raise TimeoutError("the session did not settle")
                self.paused_at = progress.shots
                self.resume.clear()
                while not self.resume.wait(0.2) and not stop.is_set():
                    pass
                self.paused_at = None
        if not progress.wait_for(lambda p: p.settled, WAIT_S):
            raise TimeoutError("the session did not settle at the end")


class Scroller:
    """Pages the timeline through all its rows, so the view asks for thumbnails as a user
    scrolling back through history would."""

    def __init__(self, app: App) -> None:
        self.table = app.window.timeline.table
        self.wanted = 0
        app.window.timeline.model.thumbnail_wanted.connect(self._wanted)
        self._timer = QTimer(interval=30)
        self._timer.timeout.connect(self._page)

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _wanted(self, _shot_id: int) -> None:
        self.wanted += 1

    def _page(self) -> None:
        bar = self.table.verticalScrollBar()
        step = max(1, self.table.viewport().height())
        bar.setValue(bar.value() + step if bar.value() < bar.maximum() else 0)


def memory(opts: argparse.Namespace) -> dict[str, Any]:
    flags = ["--source", "synthetic", "--interval", "3600", "--autostart"]
    flags += ["--users", str(MEMORY_USERS)]
    app = make_app(opts.data_dir, flags)
    w = app.window
    spin_until(lambda: w.state is RunState.RUNNING, what="capture running")
    w.timeline.follow.setChecked(False)  # the scroller moves the view, not the newest row
    model = w.timeline.model
    checkpoints = [FIRST_SHOTS, *range(1000, opts.shots, 1000)]
    driver = ShotDriver(app, opts.shots, checkpoints)
    worker = app.controller.spawn("bench-shots", driver)
    scroller = Scroller(app)
    scroller.start()
    worker.start()
    samples: list[dict[str, int]] = []
    began = time.perf_counter()
    while not driver.done.is_set():
        spin_until(
            lambda: driver.paused_at is not None or driver.done.is_set(),
            opts.timeout,
            "the shot driver",
        )
        if driver.done.is_set():
            break
        samples.append(_sample(app, driver.paused_at or 0))
        driver.resume.set()
        spin_until(lambda: driver.paused_at is None or driver.done.is_set(), what="resume")
    if driver.error:
        raise RuntimeError(driver.error)
    progress = app.engine.session.progress if app.engine.session else None
    shots = progress.shots if progress else 0
    samples.append(_sample(app, shots))
    scroller.stop()
    worker.join(5.0)
    result = {
        "seconds": time.perf_counter() - began,
        "shots": shots,
        "samples": samples,
        "cache_limit": model.cache.limit,
        "thumbnails_wanted": scroller.wanted,
        "summary": progress.summary() if progress else {},
        "hwm": _status_kb("VmHWM") * 1024,
    }
    report(result)
    result["stuck"] = close(app)
    return result


def _sample(app: App, shots: int) -> dict[str, int]:
    """RSS once the timeline shows every shot so far (its feed polls the journal)."""
    model = app.window.timeline.model
    spin_until(
        lambda: model.rowCount() + model.left_out >= shots,
        WAIT_S,
        f"the timeline to have seen {shots} rows",
    )
    spin(0.3)  # let the view paint and the thumbnails it asked for arrive
    return {
        "shots": shots,
        "rss": rss_bytes(),
        "rows": model.rowCount(),
        "left_out": model.left_out,
        "thumbnails": len(model.cache),
    }


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.window_app")
    p.add_argument("mode", choices=["preview", "memory"])
    p.add_argument("--data-dir", required=True)
    p.add_argument("--seconds", type=float, default=10.0, help="preview: measured seconds")
    p.add_argument("--warmup", type=float, default=1.5, help="preview: seconds before that")
    p.add_argument("--bare-seconds", type=float, default=2.0, help="preview: floor heartbeat")
    p.add_argument("--plot", action="store_true", help="preview: with the latency plot shown")
    p.add_argument("--s3-endpoint", default="")
    p.add_argument("--bucket", default="bench-shots")
    p.add_argument("--shots", type=int, default=5000, help="memory: shots in all")
    p.add_argument("--timeout", type=float, default=300.0)
    opts = p.parse_args(argv)
    {"preview": preview, "memory": memory}[opts.mode](opts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
