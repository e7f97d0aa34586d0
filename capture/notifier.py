"""Runnable that sends notifications concurrently on its own asyncio loop.

Jobs come from any thread (`submit`). Each job is delivered as the spec says (sender.deliver)
in its own task, so a slow webhook never holds up the next shot's notification. Every attempt
is journaled and reported as it happens.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from capture import events
from capture.errors import report_loop_error, report_unexpected
from capture.events import Event, EventSink
from capture.journal import Journal
from capture.runtime import StopToken
from capture.sender import AttemptResult, client_session, deliver

STOP_GRACE_S = 2.0  # on stop, in-flight deliveries get this long before being cancelled


@dataclass(frozen=True)
class NotifyJob:
    shot_id: int
    request_id: str
    object_key: str
    code: int
    url: str
    body: bytes


class Notifier:
    def __init__(
        self,
        journal: Journal,
        sink: EventSink,
        on_finished: Callable[[NotifyJob, bool], None],
    ) -> None:
        self._journal = journal
        self._sink = sink
        self._on_finished = on_finished
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[NotifyJob] | None = None
        self._early: list[NotifyJob] = []

    def submit(self, job: NotifyJob) -> None:
        """Queue a job from any thread; jobs submitted before the loop runs wait for it."""
        with self._lock:
            if self._loop is None or self._queue is None:
                self._early.append(job)
                return
            loop, queue = self._loop, self._queue
        loop.call_soon_threadsafe(queue.put_nowait, job)

    def run(self, stop: StopToken) -> None:
        asyncio.run(self._main(stop))

    async def _main(self, stop: StopToken) -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(report_loop_error)
        queue: asyncio.Queue[NotifyJob] = asyncio.Queue()
        stopped = asyncio.Event()
        stop.on_set(lambda: loop.call_soon_threadsafe(stopped.set))
        with self._lock:
            self._loop, self._queue = loop, queue
            for job in self._early:
                queue.put_nowait(job)
            self._early.clear()
        tasks: set[asyncio.Task[None]] = set()
        async with client_session() as session:
            while not stopped.is_set():
                getter = asyncio.ensure_future(queue.get())
                waiter = asyncio.ensure_future(stopped.wait())
                done, _ = await asyncio.wait({getter, waiter}, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                if getter in done:
                    task = asyncio.create_task(self._deliver_reporting(session, getter.result()))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                else:
                    getter.cancel()
            if tasks:
                _, pending = await asyncio.wait(tasks, timeout=STOP_GRACE_S)
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
        with self._lock:
            self._loop = self._queue = None

    async def _deliver_reporting(self, session: aiohttp.ClientSession, job: NotifyJob) -> None:
        """Deliver; an unexpected error is reported and the notification counted as failed."""
        try:
            delivered = await self._deliver(session, job)
        except Exception as exc:
            report_unexpected(f"notifying shot {job.shot_id}", exc)
            delivered = False
        self._on_finished(job, delivered)

    async def _deliver(self, session: aiohttp.ClientSession, job: NotifyJob) -> bool:
        def record(result: AttemptResult) -> None:
            self._journal.add_attempt(
                job.shot_id,
                job.request_id,
                result.attempt,
                status=result.status,
                ms=result.ms,
                ok=result.ok,
                error=result.error,
                body_excerpt=result.body_excerpt,
            )
            self._sink(
                Event(
                    events.NOTIFY_ATTEMPT,
                    {
                        "shot_id": job.shot_id,
                        "object": job.object_key,
                        "requestId": job.request_id,
                        "attempt": result.attempt,
                        "status": result.status,
                        "ms": round(result.ms, 1),
                        "ok": result.ok,
                        "error": result.error,
                    },
                )
            )

        results = await deliver(session, job.url, job.body, record)
        delivered = results[-1].ok
        self._journal.notify_finished(job.shot_id, delivered)
        name = events.NOTIFY_SUCCEEDED if delivered else events.NOTIFY_FAILED
        fields: dict[str, object] = {
            "shot_id": job.shot_id,
            "object": job.object_key,
            "requestId": job.request_id,
            "code": job.code,
            "attempts": len(results),
        }
        if not delivered:
            fields["error"] = results[-1].error
        self._sink(Event(name, fields))
        return delivered
