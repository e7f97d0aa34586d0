"""A session's counters: what it has taken, stored and notified, and what is still open.

Several threads move them (the capture loop, the upload workers, the notifier's callbacks)
while others wait on them (`Session.drain`, the headless runner, tests), so every change goes
through one condition and wakes the waiters: nobody polls.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Progress:
    """What this session has done so far; `wait_for` blocks on it (no polling)."""

    rounds: int = 0
    shots: int = 0
    missed: int = 0  # intervals notified as 206 (no frame, late tick, spool full)
    uploaded: int = 0
    notified: int = 0
    notify_failed: int = 0
    open_uploads: int = 0
    open_notifies: int = 0
    capture_done: bool = False
    cond: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def update(self, **deltas: int) -> None:
        """Add each delta to its counter, all at once: a waiter never sees half of them."""
        with self.cond:
            for name, delta in deltas.items():
                setattr(self, name, getattr(self, name) + delta)
            self.cond.notify_all()

    def finish_capture(self) -> None:
        with self.cond:
            self.capture_done = True
            self.cond.notify_all()

    def wait_for(self, predicate: Callable[[Progress], bool], timeout: float | None) -> bool:
        """True once `predicate` holds (checked at once, then after each change), False if
        `timeout` passes first."""
        with self.cond:
            return self.cond.wait_for(lambda: predicate(self), timeout)

    @property
    def settled(self) -> bool:
        """Nothing open: every upload and notification counted so far has finished."""
        return self.open_uploads == 0 and self.open_notifies == 0

    def summary(self) -> dict[str, int]:
        with self.cond:
            return {
                "shots": self.shots,
                "missed": self.missed,
                "uploaded": self.uploaded,
                "notified": self.notified,
                "notify_failed": self.notify_failed,
                "pending_uploads": self.open_uploads,
                "pending_notifications": self.open_notifies,
            }
