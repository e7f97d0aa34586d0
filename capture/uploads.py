"""Uploading spooled shots: oldest first, retried with backoff, paused on errors retrying
cannot fix."""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from capture import events
from capture.errors import StorageError
from capture.events import Event, EventSink
from capture.journal import Journal
from capture.runtime import StopToken
from capture.spool import Spool
from capture.storage import Storage

BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 30.0
PAUSE_PROBE_S = 30.0  # while paused, try one upload this often in case it was fixed


@dataclass(order=True)
class UploadItem:
    shot_id: int
    object_key: str = field(compare=False)
    spool_path: str = field(compare=False)
    size: int = field(compare=False)
    data: bytes | None = field(default=None, compare=False, repr=False)
    tries: int = field(default=0, compare=False)

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        return Path(self.spool_path).read_bytes()


@dataclass(frozen=True)
class Pause:
    message: str
    advice: str
    code: str


class UploadQueue:
    """Thread-safe: oldest shot first among those whose retry time has come; pausable."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, UploadItem]] = []
        self._ready: list[UploadItem] = []
        self._pause: Pause | None = None
        self._probe_at = 0.0

    def __len__(self) -> int:
        with self._cond:
            return len(self._heap) + len(self._ready)

    def put(self, item: UploadItem, delay: float = 0.0) -> None:
        with self._cond:
            if delay > 0:
                heapq.heappush(self._heap, (time.monotonic() + delay, item))
            else:
                heapq.heappush(self._ready, item)
            self._cond.notify()

    @property
    def pause(self) -> Pause | None:
        with self._cond:
            return self._pause

    def set_pause(self, pause: Pause | None) -> None:
        with self._cond:
            self._pause = pause
            self._probe_at = time.monotonic() + PAUSE_PROBE_S
            self._cond.notify_all()

    def get(self, stop: StopToken, timeout: float = 0.5) -> UploadItem | None:
        """The next item to try, or None after `timeout` (so the caller can check `stop`)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not stop.is_set():
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    heapq.heappush(self._ready, heapq.heappop(self._heap)[1])
                paused = self._pause is not None and now < self._probe_at
                if self._ready and not paused:
                    if self._pause is not None:
                        self._probe_at = now + PAUSE_PROBE_S  # one probe per period
                    return heapq.heappop(self._ready)
                wake = deadline
                if self._heap:
                    wake = min(wake, self._heap[0][0])
                if paused:
                    wake = min(wake, self._probe_at)
                if now >= deadline:
                    return None
                self._cond.wait(max(0.0, wake - now))
        return None

    def wake_all(self) -> None:
        with self._cond:
            self._cond.notify_all()


def backoff(tries: int) -> float:
    return float(min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** max(0, tries - 1)))


class Uploader:
    """Runnable: takes items off the queue and puts them in storage; several may share a queue."""

    def __init__(
        self,
        queue: UploadQueue,
        storage: Storage,
        journal: Journal,
        spool: Spool,
        sink: EventSink,
        on_uploaded: Callable[[UploadItem], None],
    ) -> None:
        self._queue = queue
        self._storage = storage
        self._journal = journal
        self._spool = spool
        self._sink = sink
        self._on_uploaded = on_uploaded

    def run(self, stop: StopToken) -> None:
        while not stop.is_set():
            item = self._queue.get(stop)
            if item is not None:
                self._upload(item)

    def _upload(self, item: UploadItem) -> None:
        item.tries += 1
        started = time.perf_counter()
        try:
            location = self._storage.put(item.object_key, item.read())
        except OSError as exc:
            self._failed(item, StorageError(f"spool file unreadable: {exc}", retryable=True))
            return
        except StorageError as exc:
            self._failed(item, exc)
            return
        ms = (time.perf_counter() - started) * 1000
        self._journal.upload_succeeded(item.shot_id, location, ms)
        self._spool.uploaded(item.size)
        if self._queue.pause is not None:
            self._queue.set_pause(None)
            self._sink(Event(events.UPLOADS_RESUMED, {"storage": self._storage.label}))
        self._sink(
            Event(
                events.UPLOAD_SUCCEEDED,
                {
                    "shot_id": item.shot_id,
                    "object": item.object_key,
                    "location": location,
                    "bytes": item.size,
                    "ms": round(ms, 1),
                    "attempt": item.tries,
                },
            )
        )
        item.data = None
        self._on_uploaded(item)

    def _failed(self, item: UploadItem, exc: StorageError) -> None:
        self._journal.upload_failed(item.shot_id, str(exc))
        delay = backoff(item.tries) if exc.retryable else PAUSE_PROBE_S
        self._sink(
            Event(
                events.UPLOAD_FAILED,
                {
                    "shot_id": item.shot_id,
                    "object": item.object_key,
                    "error": exc.message,
                    "advice": exc.advice,
                    "code": exc.code,
                    "retryable": exc.retryable,
                    "attempt": item.tries,
                    "retry_in_s": delay,
                },
            )
        )
        if not exc.retryable and self._queue.pause is None:
            self._queue.set_pause(Pause(exc.message, exc.advice, exc.code))
            self._sink(
                Event(
                    events.UPLOADS_PAUSED,
                    {"reason": exc.message, "advice": exc.advice, "code": exc.code},
                )
            )
        item.data = None  # re-read from the spool next time; do not hold memory while waiting
        self._queue.put(item, 0.0 if not exc.retryable else delay)
