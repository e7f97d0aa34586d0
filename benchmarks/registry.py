"""Every bench, in the order the table shows them. A new row joins by adding its `Bench` here.

The window's rows (the preview while uploads stall, memory with the timeline open, start-up to
the first preview frame) are benches with `needs="gui"`: each runs the window in a child process
on Qt's offscreen platform, so this process never imports Qt.
"""

from __future__ import annotations

from benchmarks import callbacks, pipeline, startup, uploads, window
from benchmarks.harness import Bench

BENCHES: tuple[Bench, ...] = (
    pipeline.BENCH,
    uploads.BENCH,
    callbacks.BENCH,
    window.PREVIEW,
    window.MEMORY,
    startup.BENCH,
)
