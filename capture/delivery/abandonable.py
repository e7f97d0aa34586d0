"""Blocking calls a loop can stop waiting for.

Some calls block in C code where no StopToken can reach them: boto3 waiting on an S3 endpoint
that accepted the connection and never answers gives up only after its read timeout, 10 s, on
each of 3 attempts. A loop that made such a call itself could not stop for half a minute.

So the loop makes it on a `Helper`: one daemon thread that runs the loop's calls one at a time
while the loop waits for either the result or its StopToken (plus a short grace, so a call that
is nearly done is not dropped for nothing). When the token wins, the call is *abandoned*: the
caller gets `Abandoned` at once and must treat the call as not done; the helper thread finishes
it in the background, ignores (logs) its outcome and ends. Only hand over calls that are safe
to make again, such as putting the same bytes under the same key.

`DaemonExecutor` does the same for an asyncio loop's own blocking calls (host name lookups).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar, cast

from capture.errors import describe
from capture.logs import get_logger
from capture.runtime import StopToken

T = TypeVar("T")

JOIN_S = 1.0  # an idle helper ends at once; this only bounds a wait that should not happen

_log = get_logger(__name__)


class Abandoned(Exception):
    """The StopToken was set before the call finished; it goes on in the background, ignored.
    `started` is False when the token was set before the call could even begin."""

    def __init__(self, what: str, *, started: bool) -> None:
        super().__init__(what)
        self.started = started


class _Call(Generic[T]):
    def __init__(self, fn: Callable[[], T], what: str) -> None:
        self.fn = fn
        self.what = what
        self.done = threading.Event()  # set by the helper when the call has returned or raised
        self.wake = threading.Event()  # set when done, or when the caller's token is set
        self.abandoned = False
        self.value: T | None = None
        self.error: BaseException | None = None

    def run(self, lock: threading.Lock) -> None:
        try:
            self.value = self.fn()
        except BaseException as exc:  # handed to the caller, or logged if it stopped waiting
            self.error = exc
        with lock:
            self.done.set()
            abandoned = self.abandoned
        self.wake.set()
        if abandoned:
            outcome = "it failed: " + describe(self.error) if self.error else "it succeeded"
            _log.info("%s, abandoned when its loop stopped, has now ended: %s", self.what, outcome)


class Helper:
    """A daemon thread for one loop's blocking calls (started on the first call), named
    `<name>-helper`. Not thread-safe: one loop calls it. `close()` when the loop ends."""

    def __init__(self, name: str) -> None:
        self.name = f"{name}-helper"
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[_Call[object] | None] | None = None
        self._thread: threading.Thread | None = None

    def call(self, fn: Callable[[], T], stop: StopToken, what: str, grace: float = 0.0) -> T:
        """`fn()` on the helper thread: its result, or its exception re-raised here. Raises
        `Abandoned` if `stop` is set first and the call does not finish within `grace` seconds
        after that (at once if `stop` was already set: the call is not made)."""
        if stop.is_set():
            raise Abandoned(what, started=False)
        call = _Call(fn, what)
        forget = stop.on_set(call.wake.set)
        try:
            self._queue().put(cast(_Call[object], call))
            call.wake.wait()
            if not call.done.is_set():  # woken by the token
                call.done.wait(grace)
        finally:
            forget()
        with self._lock:
            call.abandoned = not call.done.is_set()
        if call.abandoned:
            self._let_go()
            raise Abandoned(what, started=True)
        if call.error is not None:
            raise call.error
        return cast(T, call.value)

    def close(self) -> bool:
        """End the helper thread; True if it ended (it is idle unless a call was abandoned, and
        an abandoned call's thread is no longer this helper's)."""
        thread, jobs = self._thread, self._jobs
        self._thread = self._jobs = None
        if thread is None or jobs is None:
            return True
        jobs.put(None)
        thread.join(JOIN_S)
        return not thread.is_alive()

    def _queue(self) -> queue.SimpleQueue[_Call[object] | None]:
        if self._jobs is None:
            jobs: queue.SimpleQueue[_Call[object] | None] = queue.SimpleQueue()
            thread = threading.Thread(target=self._serve, args=(jobs,), name=self.name, daemon=True)
            thread.start()
            self._jobs, self._thread = jobs, thread
        return self._jobs

    def _serve(self, jobs: queue.SimpleQueue[_Call[object] | None]) -> None:
        while (call := jobs.get()) is not None:
            call.run(self._lock)

    def _let_go(self) -> None:
        """The thread is busy with an abandoned call: it ends after it; the next call gets a
        new thread."""
        if self._jobs is not None:
            self._jobs.put(None)
        self._thread = self._jobs = None


class DaemonExecutor(ThreadPoolExecutor):
    """An asyncio loop's default executor that lets the loop stop while a call blocks in C:
    asyncio resolves host names on its default executor (`getaddrinfo`), and `asyncio.run`
    waits, without a timeout, for that executor's threads before it returns, so a DNS server
    that never answers would hold the loop's thread until the resolver gives up. Here each call
    runs on its own daemon thread, and shutting down does not wait for calls under way: their
    results are dropped (the awaiting task has been cancelled by then). Only for calls that
    are safe to leave running, such as lookups."""

    def __init__(self, name: str) -> None:
        super().__init__(max_workers=1, thread_name_prefix=name)
        self._name = name

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # the awaiting side gets it, if it still waits
                future.set_exception(exc)
            else:
                future.set_result(result)

        threading.Thread(target=run, name=self._name, daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Nothing to wait for: each call's thread ends with its call."""
