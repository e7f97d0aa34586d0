"""When shots are due: shot k at start + k x interval on a monotonic clock.

Pure arithmetic, so it is tested with a fake clock: slots never drift (each is computed from the
start, not from the previous shot), and a slot that has already passed by more than the
tolerance is skipped and reported, never fired late in a burst.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LATE_TOLERANCE_S = 0.5


@dataclass(frozen=True)
class Tick:
    index: int
    due: float  # monotonic seconds


class TickPlan:
    def __init__(self, start: float, interval: float, tolerance: float | None = None) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.start = start
        self.interval = interval
        self.tolerance = min(LATE_TOLERANCE_S, interval / 2) if tolerance is None else tolerance
        self._next = 0

    def slot(self, index: int) -> float:
        return self.start + index * self.interval

    def next_tick(self, now: float) -> tuple[Tick, range]:
        """The next tick to wait for, and the indexes of ticks skipped because they passed."""
        first = self._next
        behind = now - self.slot(first) - self.tolerance
        if behind > 0:
            self._next += math.ceil(behind / self.interval)
        tick = Tick(self._next, self.slot(self._next))
        self._next += 1
        return tick, range(first, tick.index)
