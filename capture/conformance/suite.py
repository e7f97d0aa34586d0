"""Running the chosen scenarios in order against one URL: each one's exchanges kept, its grade
announced as it lands (for the progress line and the window's table), a stop honoured at once.

A scenario that raises is graded ERROR, not FAIL: ShotHook could not run it, and blaming the
webhook for it would be a lie."""

from __future__ import annotations

import asyncio
import signal
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from capture.conformance.context import Context, Options
from capture.conformance.grading import Grade, Result, Verdict
from capture.conformance.probe import Probe
from capture.conformance.scenarios import SCENARIOS, Scenario
from capture.conformance.shots import Shots, Who
from capture.errors import describe
from capture.logs import get_logger
from capture.runtime import StopToken
from capture.spec.naming import iso
from capture.storage.base import Storage

_log = get_logger(__name__)
OnStart = Callable[[int, Scenario], None]
OnResult = Callable[[Result], None]


@dataclass(frozen=True)
class Plan:
    url: str
    who: Who
    names: tuple[str, ...] = tuple(s.name for s in SCENARIOS)
    options: Options = field(default_factory=Options)

    @property
    def scenarios(self) -> list[tuple[int, Scenario]]:
        return [(n, s) for n, s in enumerate(SCENARIOS, 1) if s.name in self.names]


@dataclass
class SuiteReport:
    url: str
    started: str
    results: list[Result] = field(default_factory=list)
    seconds: float = 0.0
    storage: str = ""
    storage_problems: list[str] = field(default_factory=list)
    stopped: bool = False

    @property
    def counts(self) -> Counter[Grade]:
        return Counter(r.grade for r in self.results)

    @property
    def ok(self) -> bool:
        """Nothing failed (warnings and skips allowed) and the run was not cut short."""
        bad = self.counts[Grade.FAIL] + self.counts[Grade.ERROR]
        return not bad and not self.stopped and bool(self.results)

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "started": self.started,
            "seconds": round(self.seconds, 3),
            "stopped": self.stopped,
            "summary": {str(g): self.counts[g] for g in Grade},
            "storage": {"where": self.storage, "problems": self.storage_problems},
            "scenarios": [r.as_json() for r in self.results],
        }


def run(
    plan: Plan,
    storage: Storage | None = None,
    *,
    on_start: OnStart | None = None,
    on_result: OnResult | None = None,
    stop: StopToken | None = None,
    tls: ssl.SSLContext | None = None,
    signals: bool = False,
) -> SuiteReport:
    """The whole suite on a new asyncio loop (call it from a worker thread in the window).
    With `signals`, SIGINT and SIGTERM stop it as `stop` does (the main thread only)."""
    stop = stop or StopToken()

    async def main() -> SuiteReport:
        if signals and threading.current_thread() is threading.main_thread():
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
        return await run_async(plan, storage, on_start, on_result, stop, tls)

    return asyncio.run(main())


async def run_async(
    plan: Plan,
    storage: Storage | None,
    on_start: OnStart | None,
    on_result: OnResult | None,
    stop: StopToken,
    tls: ssl.SSLContext | None = None,
) -> SuiteReport:
    report = SuiteReport(plan.url, iso(datetime.now(UTC)))
    shots = Shots(plan.url, plan.who, storage)
    report.storage = shots.storage_label
    began = time.perf_counter()
    loop, stopping = asyncio.get_running_loop(), asyncio.Event()
    # Forgotten at the end: a stop asked after the run (the window closing) finds no loop.
    forget = stop.on_set(lambda: loop.call_soon_threadsafe(stopping.set))
    try:
        await _scenarios(plan, shots, report, on_start, on_result, stop, stopping, tls)
    finally:
        forget()
    report.seconds = time.perf_counter() - began
    report.storage_problems = shots.storage_problems
    return report


async def _scenarios(
    plan: Plan,
    shots: Shots,
    report: SuiteReport,
    on_start: OnStart | None,
    on_result: OnResult | None,
    stop: StopToken,
    stopping: asyncio.Event,
    tls: ssl.SSLContext | None,
) -> None:
    async with Probe(plan.url, tls=tls) as probe:
        for number, scenario in plan.scenarios:
            if stop.is_set():
                report.stopped = True
                break
            if on_start:
                on_start(number, scenario)
            ctx = Context(probe, shots, plan.options)
            result = await _one(number, scenario, ctx, stopping)
            if result is None:
                report.stopped = True
                break
            report.results.append(result)
            if on_result:
                on_result(result)


async def _one(
    number: int, scenario: Scenario, ctx: Context, stopping: asyncio.Event
) -> Result | None:
    """The scenario's result, or None when a stop came first (the scenario is cancelled)."""
    began = time.perf_counter()
    task = asyncio.ensure_future(scenario.run(ctx))
    halt = asyncio.ensure_future(stopping.wait())
    await asyncio.wait({task, halt}, return_when=asyncio.FIRST_COMPLETED)
    halt.cancel()
    if not task.done():
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return None
    try:
        verdict = task.result()
    except Exception as exc:
        _log.exception("conformance scenario %s could not run", scenario.name)
        verdict = Verdict(Grade.ERROR, f"ShotHook could not run this scenario: {describe(exc)}")
    seconds = time.perf_counter() - began
    return Result(
        number,
        scenario.name,
        scenario.title,
        verdict.grade,
        verdict.why,
        seconds,
        verdict.facts,
        tuple(ctx.exchanges),
    )


def names_of(text: str, known: Sequence[str]) -> tuple[str, ...]:
    """`a,b,c` as scenario names (numbers allowed: `1,7`); raises ValueError naming the first
    unknown one."""
    chosen: list[str] = []
    for raw in (part.strip() for part in text.split(",")):
        if not raw:
            continue
        name = known[int(raw) - 1] if raw.isdigit() and 1 <= int(raw) <= len(known) else raw
        if name not in known:
            raise ValueError(raw)
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise ValueError(text)
    return tuple(chosen)
