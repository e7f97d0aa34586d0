"""Uploading spooled shots: oldest first, retried with backoff, paused on errors retrying
cannot fix.

A failed upload says something about the storage, not about the shot: when the endpoint is
down every shot would fail the same way. So the queue, not each item, holds the backoff. After
a failure it hands out nothing until the backoff is over, then exactly one item (the oldest) as
a probe; only when the probe gets through do the other workers resume, oldest first. Errors
retrying cannot fix (wrong keys, missing bucket, wrong region, clock skew) pause the queue: it
probes once every `PAUSE_PROBE_S` in case the fault was fixed elsewhere.
"""

from __future__ import annotations

import heapq
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from capture.delivery.abandonable import Abandoned, Helper
from capture.errors import StorageError, describe, report_unexpected
from capture.events import (
    EventSink,
    UploadFailed,
    UploadsPaused,
    UploadsResumed,
    UploadSucceeded,
    WarningIssued,
)
from capture.journal.writer import Journal
from capture.runtime import StopToken
from capture.storage import Storage
from capture.storage.spool import Spool

BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 30.0
PAUSE_PROBE_S = 30.0  # while paused, try one upload this often in case it was fixed
STOP_GRACE_S = 0.5  # on stop, an upload under way gets this long to finish, then is abandoned


@dataclass(order=True)
class UploadItem:
    """A shot waiting to upload. It names its spool file and holds no image: while the storage
    is down thousands may wait, and their bytes are on disk already; each is read back when
    its turn comes (from the page cache, usually: it was just written)."""

    shot_id: int
    object_key: str = field(compare=False)
    spool_path: str = field(compare=False)
    size: int = field(compare=False)
    tries: int = field(default=0, compare=False)
    taken_at: float = field(default=0.0, compare=False, repr=False)
    uploaded: bool = field(default=False, compare=False)

    def read(self) -> bytes:
        return Path(self.spool_path).read_bytes()


@dataclass(frozen=True)
class Pause:
    message: str
    advice: str
    code: str


class UploadQueue:
    """Thread-safe: oldest shot first; holds back after failures (backoff, or a pause)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._delayed: list[tuple[float, UploadItem]] = []
        self._ready: list[UploadItem] = []
        self._pause: Pause | None = None
        self._failures = 0  # consecutive failed attempts (0: storage healthy)
        self._hold_until = 0.0  # no attempt before this while failing
        self._held_since = 0.0  # when the current hold began
        self._probing = False  # while failing, one attempt at a time
        self._trouble = ""

    def __len__(self) -> int:
        with self._cond:
            return len(self._delayed) + len(self._ready)

    def put(self, item: UploadItem, delay: float = 0.0) -> None:
        with self._cond:
            if delay > 0:
                heapq.heappush(self._delayed, (time.monotonic() + delay, item))
            else:
                heapq.heappush(self._ready, item)
            self._cond.notify()

    @property
    def pause(self) -> Pause | None:
        with self._cond:
            return self._pause

    @property
    def trouble(self) -> str:
        """Why uploads are held back right now ('' when the storage is healthy)."""
        with self._cond:
            return self._trouble

    def retry_in(self) -> float:
        """Seconds until the next attempt is allowed (0 when not held back)."""
        with self._cond:
            return max(0.0, self._hold_until - time.monotonic()) if self._failures else 0.0

    def retry_now(self) -> None:
        """End the current backoff or pause wait at once (the user says it is fixed)."""
        with self._cond:
            self._hold_until = time.monotonic()
            self._cond.notify_all()

    def succeeded(self) -> bool:
        """An upload got through; returns True if uploads had been held back (now resumed)."""
        with self._cond:
            was_held = self._failures > 0 or self._pause is not None
            self._clear()
            self._cond.notify_all()
            return was_held

    def failed(self, item: UploadItem, exc: StorageError) -> bool:
        """An upload failed; hold back further attempts. Returns True if this pauses uploads."""
        with self._cond:
            self._probing = False
            self._trouble = exc.message
            newly_paused = not exc.retryable and self._pause is None
            if newly_paused:
                self._pause = Pause(exc.message, exc.advice, exc.code)
            # Attempts that were already under way when the hold began do not lengthen it.
            if item.taken_at >= self._held_since or self._failures == 0:
                self._failures += 1
                wait = PAUSE_PROBE_S if self._pause is not None else backoff(self._failures)
                self._hold(wait)
            heapq.heappush(self._ready, item)
            self._cond.notify_all()
            return newly_paused

    def release(self, item: UploadItem) -> None:
        """An item leaves without an upload result (given up on); let the next probe go."""
        with self._cond:
            self._probing = False
            self._cond.notify_all()

    def get(self, stop: StopToken, timeout: float = 0.5) -> UploadItem | None:
        """The next item to try, or None after `timeout` (so the caller can check `stop`)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not stop.is_set():
                now = time.monotonic()
                while self._delayed and self._delayed[0][0] <= now:
                    heapq.heappush(self._ready, heapq.heappop(self._delayed)[1])
                held = self._failures > 0 and (now < self._hold_until or self._probing)
                if self._ready and not held:
                    item = heapq.heappop(self._ready)
                    item.taken_at = now
                    self._probing = self._failures > 0
                    return item
                if now >= deadline:
                    return None
                wake = deadline
                if self._delayed:
                    wake = min(wake, self._delayed[0][0])
                if self._failures and not self._probing:
                    wake = min(wake, max(self._hold_until, now))
                self._cond.wait(max(0.0, wake - now))
        return None

    def wake_all(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _hold(self, seconds: float) -> None:
        now = time.monotonic()
        self._failures = max(self._failures, 1)
        self._hold_until = now + seconds
        self._held_since = now

    def _clear(self) -> None:
        self._pause = None
        self._failures = 0
        self._hold_until = self._held_since = 0.0
        self._probing = False
        self._trouble = ""


def backoff(tries: int) -> float:
    return float(min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** max(0, tries - 1)))


class UploadOutcomes(Protocol):
    """What the uploader tells the owner of the shots (the session) about each one it takes.

    Only the outcomes that end a shot's upload: a failure is the storage's, not the shot's
    (the shot goes back to the queue, which holds back or pauses), and failures, pauses and
    resumptions are journaled and reported as events by the uploader itself.
    """

    def journal_stored(self, item: UploadItem, location: str, ms: float) -> None:
        """The shot is in storage (`location`, after `ms`): journal it, together with what
        must be committed with it (the session journals the notification in the same
        commit). Called on the upload worker before the stored shot is reported."""

    def upload_stored(self, item: UploadItem) -> None:
        """The stored shot is journaled and reported: hand it on."""

    def upload_lost(self, item: UploadItem, why: str) -> None:
        """The shot's spool file is gone, so it can never be uploaded: journal and report
        it (the uploader has already let go of it)."""


class Uploader:
    """Runnable: takes items off the queue and puts them in storage; several may share a queue.

    The put runs on a helper thread (capture/delivery/abandonable.py) so that stopping never
    waits on the storage: an upload still under way STOP_GRACE_S after the stop is abandoned.
    The shot then stays pending in the journal and the spool, and the next session uploads it
    again.
    If the abandoned put does get through later, that second upload writes the same bytes
    under the same key again: the object is the same (a versioned bucket keeps two versions).
    """

    def __init__(
        self,
        queue: UploadQueue,
        storage: Storage,
        journal: Journal,
        spool: Spool,
        sink: EventSink,
        outcomes: UploadOutcomes,
    ) -> None:
        """`journal` takes the failed attempts; a shot's end (stored, lost) goes to
        `outcomes`."""
        self._queue = queue
        self._storage = storage
        self._journal = journal
        self._spool = spool
        self._sink = sink
        self._outcomes = outcomes

    def run(self, stop: StopToken) -> None:
        stop.on_set(self._queue.wake_all)  # a worker waiting for an item returns at once
        helper = Helper(threading.current_thread().name)
        try:
            while not stop.is_set():
                item = self._queue.get(stop)
                if item is None:
                    continue
                try:
                    self._upload(item, helper, stop)
                except Exception as exc:  # a bug must not cost the shot: report it, keep it
                    report_unexpected(f"uploading shot {item.shot_id}", exc)
                    if not item.uploaded:
                        self._failed(item, StorageError(f"unexpected error: {describe(exc)}"))
        finally:
            helper.close()

    def _upload(self, item: UploadItem, helper: Helper, stop: StopToken) -> None:
        item.tries += 1
        try:
            data = item.read()
        except OSError as exc:
            self._lost(item, f"its spool file {item.spool_path} cannot be read: {exc.strerror}")
            return
        started = time.perf_counter()
        try:
            location = helper.call(
                lambda: self._storage.put(item.object_key, data),
                stop,
                f"the upload of shot {item.shot_id} ({item.object_key})",
                grace=STOP_GRACE_S,
            )
        except Abandoned as stopped:
            self._abandoned(item, time.perf_counter() - started if stopped.started else None)
            return
        except StorageError as exc:
            self._failed(item, exc)
            return
        ms = (time.perf_counter() - started) * 1000
        self._outcomes.journal_stored(item, location, ms)
        item.uploaded = True
        self._spool.uploaded(item.size)
        if self._queue.succeeded():
            self._sink(UploadsResumed(storage=self._storage.label))
        self._sink(
            UploadSucceeded(
                shot_id=item.shot_id,
                object=item.object_key,
                location=location,
                bytes=item.size,
                ms=round(ms, 1),
                attempt=item.tries,
            )
        )
        self._outcomes.upload_stored(item)
        self._keep(item)

    def _keep(self, item: UploadItem) -> None:
        """The stored shot's image stays in the spool for the window, within the spool's bound;
        the journal forgets the images that made room. After the hand-off: deleting files is
        not on the shot's way to its callback."""
        for shot_id in self._spool.keep(item.shot_id, item.spool_path, item.size):
            self._journal.forget_spool(shot_id)

    def _failed(self, item: UploadItem, exc: StorageError) -> None:
        self._journal.upload_failed(item.shot_id, str(exc))
        newly_paused = self._queue.failed(item, exc)
        self._sink(
            UploadFailed(
                shot_id=item.shot_id,
                object=item.object_key,
                error=exc.message,
                advice=exc.advice,
                code=exc.code,
                retryable=exc.retryable,
                attempt=item.tries,
                retry_in_s=round(self._queue.retry_in(), 1),
                final=False,
            )
        )
        if newly_paused:
            self._sink(UploadsPaused(reason=exc.message, advice=exc.advice, code=exc.code))

    def _abandoned(self, item: UploadItem, seconds: float | None) -> None:
        """Stopped while the storage had not answered (`seconds` after the put began; None if
        it never began): the shot stays pending (journal, spool) and the next session uploads
        it. Nothing is journaled: it is not a failure."""
        self._queue.release(item)
        if seconds is None:
            return
        message = (
            f"stopped while shot {item.shot_id} was uploading to {self._storage.label}"
            f" (no answer after {seconds:.1f} s): the upload was abandoned; the shot stays in"
            " the spool and is uploaded on the next start"
        )
        self._sink(WarningIssued(message=message, shot_id=item.shot_id, object=item.object_key))

    def _lost(self, item: UploadItem, why: str) -> None:
        """The shot's file is gone: it can never be uploaded. Say so; never retry forever."""
        self._spool.uploaded(item.size)
        self._queue.release(item)
        self._outcomes.upload_lost(item, why)
