"""Every bench, in the order the table shows them. A new row joins by adding its `Bench` here.

The window's rows (preview ratio while uploads stall, memory with the timeline open, start-up
to the first preview frame) will be benches with `needs="gui"`.
"""

from __future__ import annotations

from benchmarks import callbacks, pipeline, uploads
from benchmarks.harness import Bench

BENCHES: tuple[Bench, ...] = (pipeline.BENCH, uploads.BENCH, callbacks.BENCH)
