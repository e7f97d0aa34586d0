"""The open-loop schedule: notification k is due at start + k/rate, whatever the webhook does.

One asyncio loop dispatches every notification that is due as a task, over `users` keep-alive
connections; when all of them are busy a task waits for one, and that wait is part of its
latency, which is measured from the scheduled time (not from when it got a connection), so
a slow webhook shows as growing latency instead of a quietly slower schedule (coordinated
omission). An answer counts as good only when it is a 200 with a JSON body within the
deadline, the rule the real service applies.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from capture.load.bodies import Bodies
from capture.load.histogram import Histogram
from capture.load.wire import AnswerError, Pool, Target, render_post
from capture.spec.delivery import DEADLINE_S, answer_fault
from capture.spec.payload import CONTENT_TYPE

__all__ = ["DEADLINE_S", "LoadPlan", "Progress", "Tally", "run"]
GIVE_UP_S = 30.0  # an answer later than this is counted as a timeout and not waited for
# Tasks are dispatched in batches: every one due when the loop wakes, then it sleeps until the
# next is due; this caps the wakes per second at high rates (one batch per millisecond at most).
_MIN_SLEEP_S = 0.001


@dataclass(frozen=True)
class LoadPlan:
    url: str
    rate: float
    duration: float
    users: int

    @property
    def total(self) -> int:
        return max(1, round(self.rate * self.duration))


@dataclass
class Tally:
    """What has happened so far; `window` holds the latencies since the last progress line."""

    sent: int = 0
    answered: int = 0
    good: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    latency: Histogram = field(default_factory=Histogram)
    window: Histogram = field(default_factory=Histogram)
    late_dispatch_max: float = 0.0  # how far behind its schedule a dispatch ever was
    started: float = 0.0
    last_dispatch: float = 0.0
    finished: float = 0.0

    @property
    def all_good(self) -> bool:
        """Every notification answered 200 with JSON within the deadline."""
        return self.good == self.sent > 0

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    def achieved_rate(self) -> float:
        """Dispatches per second over the schedule's span (the first to the last, plus one
        interval): what the target rate is compared with."""
        span = self.last_dispatch - self.started
        if self.sent < 2 or span <= 0:
            return 0.0
        return (self.sent - 1) / span


Progress = Callable[[Tally, float], None]


async def run(plan: LoadPlan, bodies: Bodies, progress: Progress | None = None) -> Tally:
    tally = Tally()
    target = Target.parse(plan.url)
    pool = Pool(target, plan.users, ssl.create_default_context() if target.tls else None)
    reporter = asyncio.create_task(_report(tally, progress)) if progress else None
    try:
        pending = await _dispatch(plan, bodies, pool, tally)
        if pending:
            await asyncio.wait(pending)
    finally:
        tally.finished = time.monotonic()
        if reporter:
            reporter.cancel()
        pool.close()
    return tally


async def _dispatch(
    plan: LoadPlan, bodies: Bodies, pool: Pool, tally: Tally
) -> set[asyncio.Task[None]]:
    pending: set[asyncio.Task[None]] = set()
    interval = 1.0 / plan.rate
    start = tally.started = time.monotonic()
    k = 0
    while k < plan.total:
        now = time.monotonic()
        while k < plan.total and start + k * interval <= now:
            due = start + k * interval
            tally.late_dispatch_max = max(tally.late_dispatch_max, now - due)
            request = render_post(pool.target, bodies[k], CONTENT_TYPE)
            task = asyncio.create_task(_send(pool, request, due, tally))
            pending.add(task)
            task.add_done_callback(pending.discard)
            tally.sent += 1
            tally.last_dispatch = now
            k += 1
        if k < plan.total:
            await asyncio.sleep(max(start + k * interval - time.monotonic(), _MIN_SLEEP_S))
    return pending


async def _send(pool: Pool, request: bytes, due: float, tally: Tally) -> None:
    kind = ""
    try:
        async with asyncio.timeout(GIVE_UP_S):
            answer = await pool.post(request)
        kind = _kind(answer.status, answer.body, answer.complete)
    except TimeoutError:
        kind = "timeout"
    except (OSError, AnswerError) as exc:
        kind = f"connection: {type(exc).__name__}"
    latency = time.monotonic() - due
    if kind != "timeout" and not kind.startswith("connection"):
        tally.answered += 1
    if not kind and latency > DEADLINE_S:
        kind = "over 5 s"
    if kind:
        tally.errors[kind] += 1
    else:
        tally.good += 1
    tally.latency.record(latency)
    tally.window.record(latency)


def _kind(status: int, raw: bytes, complete: bool) -> str:
    """'' for a good answer, else the kind of error it is, short enough to count by."""
    if status != 200:
        return f"status {status}"
    if not complete:
        return "answer too large"
    return "not JSON" if answer_fault(status, raw) else ""


async def _report(tally: Tally, progress: Progress) -> None:
    while True:
        await asyncio.sleep(1.0)
        progress(tally, time.monotonic() - tally.started)
        tally.window = Histogram()
