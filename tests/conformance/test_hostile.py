"""Webhooks that stall, redirect, stream a gigabyte or slow down under load: the suite stays
bounded in time and memory, grades them failed with the reason, and stops when told to."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from aiohttp import web

from capture.conformance.context import Options
from capture.conformance.grading import Grade
from capture.conformance.suite import Plan, run
from capture.runtime import StopToken
from capture.spec.delivery import MAX_ANSWER
from capture.storage.local import LocalStorage
from tests.conformance.conftest import Hook, serving
from tests.conformance.test_grades import QUICK, WHO, grades, why
from tests.support.waits import WAIT_S


class Gigabyte(Hook):
    async def handle(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        answer = web.StreamResponse(headers={"Content-Type": "application/json"})
        await answer.prepare(request)
        chunk = b" " * 65536
        for _ in range(16384):  # 1 GiB, unless the client stops reading first
            await answer.write(chunk)
        return answer


class Redirecting(Hook):
    async def handle(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        raise web.HTTPTemporaryRedirect("http://127.0.0.1:9/elsewhere")


class Stalling(Hook):
    """Reads the request, then answers nothing until the test ends."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.loop: asyncio.AbstractEventLoop | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.loop = asyncio.get_running_loop()
        await request.read()
        await self.release.wait()
        return web.json_response({"late": True})


def test_a_gigabyte_answer_is_read_only_to_the_limit_and_fails() -> None:
    with serving(Gigabyte()) as hook:
        report = run(Plan(hook.url, WHO, ("complete",), QUICK))
    result = report.results[0]
    assert result.grade is Grade.FAIL
    assert "larger than 64 KiB (not read)" in result.why
    (exchange,) = result.exchanges
    assert len(exchange.answer_body) == MAX_ANSWER and not exchange.answer_complete


def test_a_redirect_is_a_failure_and_is_not_followed() -> None:
    with serving(Redirecting()) as hook:
        report = run(Plan(hook.url, WHO, ("complete",), QUICK))
    assert report.results[0].grade is Grade.FAIL
    assert "status 307: a redirect, which the real service does not follow" in report.results[0].why


def test_a_webhook_that_never_answers_fails_after_the_deadline() -> None:
    stalling = Stalling()
    with serving(stalling) as hook:
        report = run(Plan(hook.url, WHO, ("answer-shape",), QUICK))
        hook_loop_release(stalling)
    result = report.results[0]
    assert result.grade is Grade.FAIL
    assert "no answer within 6 s" in result.why
    assert 6.0 <= result.seconds < 6.0 + 3.0


def hook_loop_release(hook: Stalling) -> None:
    """Lets the stalled handlers finish, so the server stops without cancelling them."""
    assert hook.loop is not None
    hook.loop.call_soon_threadsafe(hook.release.set)


def test_a_webhook_slow_under_load_fails_the_sustained_scenario_only() -> None:
    def slow_when_busy(h: Hook, _raw: bytes) -> web.Response | None:
        if len(h.recent) > 30:  # more than 30 in the last 2 s: overwhelmed
            h.slow_s = 5.5  # every request from now on answers late
        return None

    options = Options(burst=10, sustain_rate=20, sustain_seconds=3)
    names = ("complete", "burst", "sustained")
    with serving(Hook(behaviour=slow_when_busy)) as hook:
        report = run(Plan(hook.url, WHO, names, options))
    assert grades(report) == {"complete": Grade.PASS, "burst": Grade.PASS, "sustained": Grade.FAIL}
    said = why(report, "sustained")
    assert "notifications at 20/s failed" in said and "over 5 s" in said
    facts = report.results[-1].facts
    assert facts["over_deadline"] > 0 and facts["p99_s"] > 5.0
    assert facts["sent"] == 60


def test_a_stop_ends_the_run_at_once_and_says_so(tmp_path: Path) -> None:
    """Even while the 60,000 pictures of a long sustained scenario are being uploaded."""
    stop = StopToken()
    started = threading.Event()
    long = Options(burst=10, sustain_rate=100, sustain_seconds=600)
    storage = LocalStorage(tmp_path, "")
    with serving(Hook()) as hook:

        def on_start(_n: int, scenario: object) -> None:
            if getattr(scenario, "name", "") == "sustained":
                started.set()

        thread = threading.Thread(
            target=lambda: box.append(run(Plan(hook.url, WHO, ("complete", "sustained"), long),
                                          storage, on_start=on_start, stop=stop)),
        )  # fmt: skip
        box: list[object] = []
        thread.start()
        assert started.wait(WAIT_S)
        stop.set()
        thread.join(WAIT_S)
        assert not thread.is_alive(), "the suite did not stop"
    (report,) = box
    assert len(list(tmp_path.rglob("*.jpg"))) < 60_000
    assert report.stopped and not report.ok  # type: ignore[attr-defined]
    assert [r.name for r in report.results] == ["complete"]  # type: ignore[attr-defined]


def test_a_stop_after_the_run_has_ended_is_harmless() -> None:
    """The window's close stops every worker, a finished suite's too: its loop is gone."""
    stop = StopToken()
    with serving(Hook()) as hook:
        report = run(Plan(hook.url, WHO, ("complete",), QUICK), stop=stop)
    stop.set()  # raised "Event loop is closed" before the suite forgot its callback
    assert report.ok and not report.stopped
