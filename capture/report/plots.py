"""The report's plots as inline SVG: capture-to-callback latency per shot with its stages
stacked (capture, store, notify: the window's latency plot's facts, `capture.report.stages`),
schedule lateness per shot (jitter), and attempts per notification with upload tries.

matplotlib, through its SVG canvas only (no pyplot, no GUI backend, no global state), imported
when a report is made, never on the way to a capture. Fonts are not embedded
(`svg.fonttype: none`: text stays text, a plot is a few kilobytes) and the file carries no
metadata or external reference: it opens offline.

Why matplotlib: maintained, typed, its SVG canvas needs no GUI toolkit and writes plain SVG
with nothing to fetch (pygal's SVGs, by contrast, load their tooltips' script from a CDN by
default). Its cost, measured on the 2-core test machine: about 2 s to import (once per process,
only when a report is made), 0.3 s to draw three plots of a short session; each plot is 20 to
50 KB for 60 shots, and past BARS_UP_TO shots the bars become one filled path a stage so a
2,000-shot plot stays under a megabyte.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from capture.report.stages import Point

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# The window's stage colours (gui/resources.py's light palette), so both plots read alike.
CAPTURE, STORE, NOTIFY = "#7f8c8d", "#2e86de", "#27ae60"
LATE, TRIES, ATTEMPTS = "#e67e22", "#8e44ad", "#2e86de"
SIZE_IN = (6.4, 2.8)
BARS_UP_TO = 120  # shots drawn as bars; more as filled steps
_RC: Any = {
    "svg.fonttype": "none",
    "svg.hashsalt": "shothook",  # ids the same from one run to the next
    "font.size": 9,
    "font.family": "sans-serif",
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)


def latency_svg(points: Sequence[Point]) -> str:
    """Stacked bars, one a shot: capture, store, notify (ms)."""
    return _styled(_latency, points)


def lateness_svg(points: Sequence[Point]) -> str:
    """How long after its slot in the schedule each shot was taken (ms)."""
    return _styled(_lateness, points)


def attempts_svg(points: Sequence[Point]) -> str:
    """Notification attempts per shot (1 is a first-time delivery), upload tries beside."""
    return _styled(_attempts, points)


def _styled(draw: Callable[[Sequence[Point]], Figure], points: Sequence[Point]) -> str:
    """`draw`'s figure as inline SVG, drawn and written under the report's style."""
    import matplotlib

    with matplotlib.rc_context(_RC):
        return _svg(draw(points))


def _latency(points: Sequence[Point]) -> Figure:
    figure, axes = _figure("Capture to callback per shot (ms), by stage")
    x = list(range(1, len(points) + 1))
    capture = [_zero(p.capture_ms) for p in points]
    store = [_zero(p.store_ms) for p in points]
    notify = [_zero(p.notify_ms) for p in points]
    below = [a + b for a, b in zip(capture, store, strict=True)]
    labels = ("capture (encode, spool, queue)", "store (upload)", "notify (to the first callback)")
    if len(points) <= BARS_UP_TO:
        axes.bar(x, capture, color=CAPTURE, label=labels[0])
        axes.bar(x, store, bottom=capture, color=STORE, label=labels[1])
        axes.bar(x, notify, bottom=below, color=NOTIFY, label=labels[2])
    else:  # one filled path a stage, not a rectangle a shot: the SVG stays small
        top = [a + b for a, b in zip(below, notify, strict=True)]
        axes.fill_between(x, 0, capture, step="mid", color=CAPTURE, label=labels[0])
        axes.fill_between(x, capture, below, step="mid", color=STORE, label=labels[1])
        axes.fill_between(x, below, top, step="mid", color=NOTIFY, label=labels[2])
    axes.set_xlabel("shot")
    axes.set_ylabel("ms")
    figure.legend(loc="outside lower center", fontsize=8, frameon=False, ncols=4)
    return figure


def _lateness(points: Sequence[Point]) -> Figure:
    figure, axes = _figure("Schedule lateness per shot (ms after its slot)")
    x = [i for i, p in enumerate(points, 1) if not math.isnan(p.late_ms)]
    late = [p.late_ms for p in points if not math.isnan(p.late_ms)]
    marker = "o" if len(points) <= BARS_UP_TO else ""
    axes.plot(x, late, color=LATE, marker=marker, markersize=3, linewidth=1)
    axes.set_xlabel("shot")
    axes.set_ylabel("ms late")
    axes.set_ylim(bottom=0)
    return figure


def _attempts(points: Sequence[Point]) -> Figure:
    figure, axes = _figure("Attempts per notification, and upload tries")
    x = list(range(1, len(points) + 1))
    attempts, tries = [p.attempts for p in points], [p.upload_tries for p in points]
    if len(points) <= BARS_UP_TO:
        axes.bar([i - 0.2 for i in x], attempts, 0.4, color=ATTEMPTS, label="notification attempts")
        axes.bar([i + 0.2 for i in x], tries, 0.4, color=TRIES, label="upload tries")
    else:
        axes.step(x, attempts, where="mid", color=ATTEMPTS, label="notification attempts")
        axes.step(x, tries, where="mid", color=TRIES, label="upload tries", linewidth=0.8)
    axes.axhline(3, color="#c0392b", linewidth=0.8, linestyle="--", label="the spec's 3 attempts")
    axes.set_xlabel("shot")
    axes.set_ylim(0, 4)
    axes.set_yticks([0, 1, 2, 3])
    figure.legend(loc="outside lower center", fontsize=8, frameon=False, ncols=4)
    return figure


def all_plots(points: Sequence[Point]) -> list[tuple[str, str]]:
    """(title, inline SVG) for each plot; none without a shot."""
    if not points:
        return []
    return [
        ("Latency by stage", latency_svg(points)),
        ("Schedule lateness", lateness_svg(points)),
        ("Attempts", attempts_svg(points)),
    ]


def _figure(title: str) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=SIZE_IN, layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(title, loc="left", fontsize=10)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    return figure, axes


def _svg(figure: Figure) -> str:
    """The figure as an <svg> element to inline: no XML prologue, DOCTYPE or metadata."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    out = io.StringIO()
    canvas = FigureCanvasSVG(figure)
    canvas.print_svg(out, metadata={"Date": None, "Creator": None})  # type: ignore[no-untyped-call]
    text = _PROLOGUE.sub("", out.getvalue(), count=1)
    return _METADATA.sub("", text, count=1)


def _zero(value: float) -> float:
    return 0.0 if math.isnan(value) else value
