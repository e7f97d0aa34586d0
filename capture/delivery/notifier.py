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

from capture.delivery.abandonable import DaemonExecutor
from capture.delivery.sender import AttemptResult, client_session, deliver
from capture.errors import report_loop_error, report_unexpected
from capture.events import EventSink, NotifyAttempt, NotifyFailed, NotifySucceeded
from capture.journal.writer import Journal
from capture.runtime import StopToken

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
        self._early: list[NotifyJob] = []
        self._session: aiohttp.ClientSession | None = None  # the loop's own, while it runs
        self._tasks: set[asyncio.Task[None]] = set()  # deliveries under way (loop only)

    def submit(self, job: NotifyJob) -> None:
        """Queue a job from any thread; jobs submitted before the loop runs wait for it.

        The loop is woken at once (`call_soon_threadsafe`) and starts the delivery's task in
        the same turn: no queue between the caller and the task."""
        with self._lock:
            if self._loop is None:
                self._early.append(job)
                return
            loop = self._loop
        loop.call_soon_threadsafe(self._start, job)

    def run(self, stop: StopToken) -> None:
        asyncio.run(self._main(stop))

    async def _main(self, stop: StopToken) -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(report_loop_error)
        loop.set_default_executor(DaemonExecutor("notify-dns"))  # a hung lookup cannot hold stop
        stopped = stop.asyncio_event()
        async with client_session() as session:
            self._session = session
            with self._lock:
                self._loop = loop
                early, self._early = self._early, []
            for job in early:
                self._start(job)
            await stopped.wait()
            with self._lock:
                self._loop = None  # later jobs stay journaled as 'sending' for the next run
            if self._tasks:
                _, pending = await asyncio.wait(self._tasks, timeout=STOP_GRACE_S)
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
            self._session = None

    def _start(self, job: NotifyJob) -> None:
        """On the loop: start delivering `job` in its own task."""
        session = self._session
        if session is None or self._loop is None:
            return  # stopping: the job stays journaled as 'sending' and resumes next run
        task = asyncio.get_running_loop().create_task(self._deliver_reporting(session, job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

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
                exchange=result.exchange,
            )
            self._sink(
                NotifyAttempt(
                    shot_id=job.shot_id,
                    object=job.object_key,
                    requestId=job.request_id,
                    attempt=result.attempt,
                    status=result.status,
                    ms=round(result.ms, 1),
                    ok=result.ok,
                    error=result.error,
                )
            )

        results = await deliver(session, job.url, job.body, record)
        delivered = results[-1].ok
        self._journal.notify_finished(job.shot_id, delivered)
        if delivered:
            self._sink(
                NotifySucceeded(
                    shot_id=job.shot_id,
                    object=job.object_key,
                    requestId=job.request_id,
                    code=job.code,
                    attempts=len(results),
                )
            )
        else:
            self._sink(
                NotifyFailed(
                    shot_id=job.shot_id,
                    object=job.object_key,
                    requestId=job.request_id,
                    code=job.code,
                    attempts=len(results),
                    error=results[-1].error,
                )
            )
        return delivered
