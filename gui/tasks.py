"""One-off background jobs (engine control, storage checks, journal and file reads) on a
worker, with the result or error delivered to the GUI thread by signal.

Each `TaskQueue` runs its jobs one at a time, in order, so jobs on the same queue never race
(the window sends every engine start/stop/source change through one queue).
"""

from __future__ import annotations

import itertools
import queue
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from capture.runtime import Spawn, StopToken, Worker

Job = Callable[[], Any]
OnDone = Callable[[Any], None]
OnError = Callable[[BaseException], None]


class _Loop:
    """Runnable: takes jobs off a queue until stopped; `None` on the queue wakes it to stop."""

    def __init__(self, jobs: queue.SimpleQueue[tuple[int, Job] | None], finished: Any) -> None:
        self._jobs = jobs
        self._finished = finished

    def run(self, stop: StopToken) -> None:
        stop.on_set(lambda: self._jobs.put(None))
        while not stop.is_set():
            item = self._jobs.get()
            if item is None:
                continue
            token, job = item
            try:
                result = job()
            except Exception as exc:
                self._finished.emit(token, None, exc)
            else:
                self._finished.emit(token, result, None)


class TaskQueue(QObject):
    _finished = Signal(int, object, object)

    def __init__(self, name: str, spawn: Spawn, on_unhandled: OnError) -> None:
        super().__init__()
        self.name = name
        self._on_unhandled = on_unhandled
        self._tokens = itertools.count(1)
        self._callbacks: dict[int, tuple[OnDone | None, OnError | None]] = {}
        self._jobs: queue.SimpleQueue[tuple[int, Job] | None] = queue.SimpleQueue()
        self._finished.connect(self._deliver)
        self._worker: Worker = spawn(name, _Loop(self._jobs, self._finished))
        self._worker.start()

    def submit(
        self, job: Job, on_done: OnDone | None = None, on_error: OnError | None = None
    ) -> None:
        """Run `job` on the worker; then `on_done(result)` or `on_error(exc)` on the GUI thread.
        Without `on_error`, an exception goes to the crash handler."""
        token = next(self._tokens)
        self._callbacks[token] = (on_done, on_error)
        self._jobs.put((token, job))

    def stop(self) -> None:
        self._worker.request_stop()

    def join(self, timeout: float) -> bool:
        return self._worker.join(timeout)

    def _deliver(self, token: int, result: object, error: object) -> None:
        on_done, on_error = self._callbacks.pop(token, (None, None))
        if isinstance(error, BaseException):
            (on_error or self._on_unhandled)(error)
        elif on_done is not None:
            on_done(result)
