"""The live latency plot of the newest session: each shot as a bar of its stages stacked
(capture, store, notify: from the frame's capture to the first callback), its lateness after
its slot in the schedule, and its upload tries and notification attempts.

Like everything the window shows, it is read from the journal (`TimelineReader.session_times`),
so a restart shows the same session. `LatencyFeed` reads on its own worker, at most
1 / MIN_GAP_S times a second however many events poke it, and turns times into stage lengths
there; the GUI thread only merges points into `LatencySeries` (the newest MAX_SHOTS) and
redraws at most REDRAW_HZ times a second, never while the panel is hidden.

pyqtgraph rather than matplotlib: pyqtgraph's items are QGraphicsItems drawn by Qt's own
painter (a bar series is one drawRects call), while matplotlib's Qt canvas renders each frame
through Agg on the GUI thread and copies the bitmap, far heavier for a plot redrawn several
times a second next to a live preview. pyqtgraph takes about half a second to import: the panel
imports it, on the GUI thread, when it is shown and first has points to draw (never on the way
to the first frame), once.
"""

from __future__ import annotations

import importlib
import math
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction, QShowEvent
from PySide6.QtWidgets import QGraphicsItem, QLabel, QStackedLayout, QWidget

from capture.journal.reader import TimelineReader
from capture.report.stages import Point, point
from capture.runtime import StopToken
from gui.resources import Palette, colour

MAX_SHOTS = 600  # the newest shots the plot keeps: 10 minutes at one shot a second
REDRAW_HZ = 4  # the most redraws a second
MIN_GAP_S = 0.25  # between two reads of the journal
POLL_S = 1.0  # the longest between two reads when nothing pokes the feed
BAR_WIDTH = 0.8  # of one shot's slot on the x axis
X_STEP = 50  # shots: the x range moves on by this many at once

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Stacked:
    """The plot's arrays, one entry a shot, oldest first: each stage's bar from its base to
    base + height (a stage not reached is 0 high), lateness and counts as NaN where unknown."""

    x: Floats  # the shot's id
    capture: Floats
    store: Floats
    notify: Floats
    store_base: Floats  # = capture
    notify_base: Floats  # = capture + store
    late: Floats
    upload_tries: Floats
    attempts: Floats

    @property
    def total(self) -> Floats:
        return self.notify_base + self.notify


class LatencySeries:
    """The newest `limit` shots of one session by id; a point again for a shot replaces it."""

    def __init__(self, limit: int = MAX_SHOTS) -> None:
        self.limit = limit
        self._points: dict[int, Point] = {}

    def __len__(self) -> int:
        return len(self._points)

    def add(self, points: Iterable[Point], fresh: bool = False) -> None:
        """Merge `points` in (`fresh`: a new session, the old points go)."""
        if fresh:
            self._points.clear()
        for p in points:
            self._points[p.shot_id] = p
        if len(self._points) > self.limit:
            keep = sorted(self._points)[-self.limit :]
            self._points = {shot_id: self._points[shot_id] for shot_id in keep}

    def points(self) -> list[Point]:
        """Oldest first."""
        return [self._points[shot_id] for shot_id in sorted(self._points)]

    def stacked(self) -> Stacked:
        points = self.points()

        def column(values: Iterable[float]) -> Floats:
            return np.fromiter(values, dtype=np.float64, count=len(points))

        capture = np.nan_to_num(column(p.capture_ms for p in points))
        store = np.nan_to_num(column(p.store_ms for p in points))
        return Stacked(
            x=column(p.shot_id for p in points),
            capture=capture,
            store=store,
            notify=np.nan_to_num(column(p.notify_ms for p in points)),
            store_base=capture,
            notify_base=capture + store,
            late=column(p.late_ms for p in points),
            upload_tries=column(p.upload_tries for p in points),
            attempts=column(p.attempts for p in points),
        )


Deliver = Callable[[bool, list[Point]], None]


class LatencyFeed:
    """Runnable: `deliver(fresh, points)` for the newest session's shots, the newest `limit`
    at first (`fresh`: the plot starts over, as at a new session), then those that changed,
    each time it is poked (any engine event) or once every POLL_S."""

    def __init__(self, journal: Path, deliver: Deliver, limit: int = MAX_SHOTS) -> None:
        self._journal = journal
        self._deliver = deliver
        self._limit = limit
        self._poke = threading.Event()

    def poke(self) -> None:
        """Something changed (called from any thread): read soon rather than at the next poll."""
        self._poke.set()

    def run(self, stop: StopToken) -> None:
        stop.on_set(self._poke.set)
        reader = TimelineReader(self._journal)
        session: int | None = None
        seq = 0
        try:
            while not stop.is_set():
                self._poke.clear()
                times = reader.session_times(session, seq, self._limit)
                session, seq = times.session_id, times.seq
                if times.fresh or times.shots:
                    self._deliver(times.fresh, [point(t) for t in times.shots])
                if stop.wait(MIN_GAP_S):  # a burst of events is read once
                    break
                self._poke.wait(POLL_S)
        finally:
            reader.close()


class LatencyPanel(QWidget):
    """The plot, its toggle (`toggle_action`, checkable: a menu or a button shows it) and
    `set_visible`. `deliver` may be called from any thread; the points reach the GUI thread
    by a queued signal."""

    _arrived = Signal(bool, object)  # fresh, list[Point]

    def __init__(self, limit: int = MAX_SHOTS) -> None:
        super().__init__()
        self.setObjectName("latencyPlot")
        self.setMinimumHeight(160)
        self.series = LatencySeries(limit)
        self.redraws = 0  # how many times the plot was drawn anew (tests, benchmarks)
        self.drawn = 0  # the shots the last redraw drew
        self._dirty = False
        self._items: dict[str, Any] = {}  # pyqtgraph's items, once built
        self._x_range: Callable[..., None] = lambda *_a, **_k: None
        self._shown: tuple[float, float] = (0.0, 0.0)
        self._stack = QStackedLayout(self)
        self._empty = QLabel("No shots in this session yet: the plot fills as shots arrive.")
        self._empty.setObjectName("plotEmpty")
        self._stack.addWidget(self._empty)
        self._timer = QTimer(self, singleShot=True, interval=1000 // REDRAW_HZ)
        self._timer.timeout.connect(self._redraw)
        self._arrived.connect(self.add_points)
        self.toggle_action = QAction("Latency plot", self, checkable=True, checked=True)
        self.toggle_action.setToolTip("Show or hide the plot of each shot's latency")
        self.toggle_action.toggled.connect(self.set_visible)

    @property
    def redraw_pending(self) -> bool:
        return self._timer.isActive()

    def deliver(self, fresh: bool, points: list[Point]) -> None:
        self._arrived.emit(fresh, points)

    def set_visible(self, visible: bool) -> None:
        self.toggle_action.setChecked(visible)  # no signal when unchanged: no loop
        self.setVisible(visible)

    def add_points(self, fresh: bool, points: list[Point]) -> None:
        self.series.add(points, fresh)
        self._dirty = True
        if self.isVisible() and not self._timer.isActive():
            self._timer.start()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty and not self._timer.isActive():
            self._timer.start()

    def _redraw(self) -> None:
        if not self.isVisible() or not self._dirty:
            return
        self._dirty = False
        if not self._items:
            if not len(self.series):
                return
            self._build()
        data = self.series.stacked()
        items = self._items
        items["capture"].setOpts(x=data.x, y0=0.0, height=data.capture)
        items["store"].setOpts(x=data.x, y0=data.store_base, height=data.store)
        items["notify"].setOpts(x=data.x, y0=data.notify_base, height=data.notify)
        items["late"].setData(data.x, data.late)
        edges = _edges(data.x)
        items["tries"].setData(edges, data.upload_tries)
        items["attempts"].setData(edges, data.attempts)
        self._follow(data.x)
        self._stack.setCurrentIndex(1 if len(self.series) else 0)
        self.redraws += 1
        self.drawn = len(data.x)

    def _follow(self, x: Floats) -> None:
        """Show the newest `limit` shots, the range moved on in steps of X_STEP shots rather
        than at every shot: an axis is redrawn (its text laid out again) only when its range
        changes, which costs the GUI thread more than the bars (docs/benchmarks.md)."""
        if not len(x):
            return
        end = (math.floor(float(x[-1]) / X_STEP) + 1) * X_STEP
        shown = (end - self.series.limit, end)
        if shown != self._shown:
            self._shown = shown
            self._x_range(shown[0], shown[1], padding=0)

    def _build(self) -> None:
        # On the GUI thread: pyqtgraph defines Qt classes as it loads, which is not safe on a
        # worker (a worker's import hung the window once). Loaded only when the shown plot
        # first has points, so a window that never captures, or hides the plot, never pays.
        pg = importlib.import_module("pyqtgraph")
        view = pg.GraphicsLayoutWidget()
        view.setBackground(colour(Palette.SURFACE))
        view.ci.setContentsMargins(4, 4, 4, 4)
        latency = _plot(pg, view, 0, "latency (ms)")
        late = _plot(pg, view, 1, "late (ms)")
        counts = _plot(pg, view, 2, "tries")
        counts.showAxis("bottom")
        counts.setLabel("bottom", "shot", color=Palette.MUTED.hex)
        for other in (late, counts):
            other.setXLink(latency)
        self._x_range = latency.setXRange
        view.ci.layout.setRowStretchFactor(0, 3)
        for stage, palette in (
            ("capture", Palette.PLOT_CAPTURE),
            ("store", Palette.PLOT_STORE),
            ("notify", Palette.PLOT_NOTIFY),
        ):
            bars = pg.BarGraphItem(
                x=[], height=[], width=BAR_WIDTH, brush=colour(palette), pen=None, name=stage
            )
            latency.addItem(bars)
            self._items[stage] = bars
        self._items["late"] = late.plot(pen=pg.mkPen(colour(Palette.PLOT_LATE), width=1.5))
        for name, palette, label in (
            ("tries", Palette.PLOT_TRIES, "upload tries"),
            ("attempts", Palette.PLOT_ATTEMPTS, "notification attempts"),
        ):
            pen = pg.mkPen(colour(palette), width=1.5)
            # Steps, not symbols: a curve is one path, a scatter a Python object per point.
            self._items[name] = counts.plot(pen=pen, stepMode="center", name=label)
        self._stack.addWidget(view)


def _edges(x: Floats) -> Floats:
    """The edges of each shot's step (a step curve has one more edge than values)."""
    if not len(x):
        return np.zeros(1)
    return np.append(x - 0.5, x[-1] + 0.5)


def _plot(pg: Any, view: Any, row: int, title: str) -> Any:
    """One row of the plot: its axes in the palette's quiet ink, fixed to what it shows (no
    mouse zoom: the plot follows the newest shots)."""
    plot = view.addPlot(row=row, col=0)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.hideAxis("bottom")  # the rows share x: the last one shows it
    plot.enableAutoRange(x=False, y=True)
    plot.showGrid(x=False, y=True, alpha=0.25)
    plot.setLabel("left", title, color=Palette.MUTED.hex)
    plot.getAxis("left").setWidth(56)  # the rows' plots line up whatever their numbers
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setPen(pg.mkPen(colour(Palette.LINE_STRONG)))
        axis.setTextPen(pg.mkPen(colour(Palette.MUTED)))
        # Kept as a pixmap between range changes: laying out and drawing the tick text is
        # most of a redraw's cost.
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    if row != 1:  # the lateness row has one series, named by its axis
        plot.addLegend(
            offset=(-4, 2),
            colCount=3,
            labelTextColor=colour(Palette.INK_SOFT),
            brush=colour(Palette.SURFACE, 200),
        )
    return plot
