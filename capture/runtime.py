"""How the engine's background loops are run, without choosing the thread type.

Each long-running part of the engine is a `Runnable`: `run(stop)` blocks until `stop` is set.
The engine asks a `Spawn` function for a `Worker` to host each one. Headless mode spawns plain
threads (`ThreadWorker`); the window spawns QThreads (gui/workers.py). Stopping is always
cooperative: `request_stop()` sets the token, then `join()` waits.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Protocol


class StopToken:
    """A one-way flag a loop polls or waits on; callbacks fire once when it is set."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], object]] = []

    def set(self) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep until set or timeout; True if set. The one sanctioned way for loops to pause."""
        return self._event.wait(timeout)

    def asyncio_event(self) -> asyncio.Event:
        """An event of the running asyncio loop, set (thread-safely) when this token is set."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        self.on_set(lambda: loop.call_soon_threadsafe(event.set))
        return event

    def on_set(self, callback: Callable[[], object]) -> Callable[[], None]:
        """Call `callback` (from the setting thread) when set; at once if already set. Returns
        a function that forgets `callback` (for waits shorter than the token's life)."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return lambda: self._forget(callback)
        callback()
        return lambda: None

    def _forget(self, callback: Callable[[], object]) -> None:
        with self._lock:
            self._callbacks = [c for c in self._callbacks if c is not callback]


class Runnable(Protocol):
    def run(self, stop: StopToken) -> None: ...


class Worker(Protocol):
    name: str

    def start(self) -> None: ...

    def request_stop(self) -> None: ...

    def join(self, timeout: float) -> bool:
        """Wait for the loop to end; True if it did within `timeout` seconds."""
        ...

    def is_running(self) -> bool: ...


Spawn = Callable[[str, Runnable], Worker]


class ThreadWorker:
    """A Worker on a plain daemon-less thread. Exceptions go to threading.excepthook."""

    def __init__(self, name: str, runnable: Runnable) -> None:
        self.name = name
        self._runnable = runnable
        self._stop = StopToken()
        self._thread = threading.Thread(target=self._main, name=name)

    def _main(self) -> None:
        self._runnable.run(self._stop)

    def start(self) -> None:
        self._thread.start()

    def request_stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float) -> bool:
        if self._thread.ident is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def is_running(self) -> bool:
        return self._thread.is_alive()


def spawn_thread(name: str, runnable: Runnable) -> Worker:
    return ThreadWorker(name, runnable)


def stop_all(workers: list[Worker], timeout: float) -> list[str]:
    """Ask every worker to stop, then wait; return the names of any still running."""
    for worker in workers:
        worker.request_stop()
    deadline = time.monotonic() + timeout
    return [w.name for w in workers if not w.join(max(0.0, deadline - time.monotonic()))]
