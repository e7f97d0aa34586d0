"""An EventSink that keeps every event; tests wait on it for what they expect (no sleeps)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from capture.events import Event
from tests.support.waits import EVENT_WAIT_S


class EventLog:
    """Every event, in order; `wait_for` blocks until enough of a kind arrived, `mark` and
    `since` pick out what came after a point in the test."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def named(self, name: str) -> list[dict[str, Any]]:
        with self._cond:
            return [e.fields for e in self.events if e.name == name]

    def wait_for(
        self, name: str, count: int = 1, timeout: float = EVENT_WAIT_S
    ) -> list[dict[str, Any]]:
        """The first `count` events called `name`, waiting for them; fails the test if late."""
        with self._cond:
            arrived = self._cond.wait_for(lambda: len(self.named(name)) >= count, timeout)
        assert arrived, f"waited {timeout:g} s for {count} {name!r}; got {self.names()}"
        return self.named(name)[:count]

    def names(self) -> list[str]:
        with self._cond:
            return [e.name for e in self.events]

    def mark(self) -> int:
        """A position in the log; `since(mark, name)` gives what came after it."""
        with self._cond:
            return len(self.events)

    def since(self, mark: int, name: str) -> list[dict[str, Any]]:
        with self._cond:
            return [e.fields for e in self.events[mark:] if e.name == name]

    def wait_until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        with self._cond:
            if self._cond.wait_for(predicate, timeout):
                return
            seen = [f"{e.name} {e.fields}" for e in self.events[-25:]]
        raise AssertionError(f"timed out waiting for {what}; last events:\n" + "\n".join(seen))

    def wait_count(self, name: str, n: int, timeout: float, after: int = 0) -> list[dict[str, Any]]:
        self.wait_until(lambda: len(self.since(after, name)) >= n, timeout, f"{n} x {name}")
        return self.since(after, name)
