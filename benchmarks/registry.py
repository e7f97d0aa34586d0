"""Every bench, in the order the table shows them. A new row joins by adding its `Bench` here.

The window's rows (the preview while uploads stall, with the latency plot hidden and shown,
memory with the timeline open, the timeline with many shots and its repaint, start-up to the
first preview frame) are benches with `needs="gui"`: each runs the window, or the part
measured, in a child process on Qt's offscreen platform, so this process never imports Qt.
"""

from __future__ import annotations

from benchmarks import (
    callbacks,
    conformance,
    export,
    loadtest,
    pipeline,
    soak,
    startup,
    timeline,
    uploads,
    window,
)
from benchmarks.harness import Bench

BENCHES: tuple[Bench, ...] = (
    pipeline.BENCH,
    uploads.BENCH,
    callbacks.BENCH,
    loadtest.BENCH,
    conformance.BENCH,
    export.BENCH,
    window.PREVIEW,
    window.PREVIEW_PLOT,
    window.MEMORY,
    timeline.TIMELINE,
    timeline.REPAINT,
    startup.BENCH,
    soak.BENCH,
)
