"""The suite against webhooks written to fail one scenario each: exactly that scenario fails
(or warns) with the right words, and a correct webhook passes every one."""

from __future__ import annotations

import json

import pytest
from aiohttp import web

from capture.conformance.context import Options
from capture.conformance.grading import Grade
from capture.conformance.scenarios import NAMES
from capture.conformance.shots import Who
from capture.conformance.suite import Plan, SuiteReport, run
from tests.conformance.conftest import Behaviour, Hook, serving

QUICK = Options(burst=10, sustain_rate=20, sustain_seconds=2)
WHO = Who("conformance", 42, "", "")


def graded(hook: Hook, names: tuple[str, ...] = NAMES, options: Options = QUICK) -> SuiteReport:
    return run(Plan(hook.url, WHO, names, options))


def grades(report: SuiteReport) -> dict[str, Grade]:
    return {r.name: r.grade for r in report.results}


def why(report: SuiteReport, name: str) -> str:
    return next(r.why for r in report.results if r.name == name)


def field_of(raw: bytes, name: str) -> object:
    return json.loads(raw)[name]


def rejects_repeats(hook: Hook, raw: bytes) -> web.Response | None:
    request_id = str(field_of(raw, "requestId"))
    if request_id in hook.seen:
        return web.json_response({"error": "duplicate"}, status=409)
    hook.seen.add(request_id)
    return None


def chokes_on_long_extra(_hook: Hook, raw: bytes) -> web.Response | None:
    if len(str(field_of(raw, "callbackData")).encode()) > 1000:
        return web.Response(status=500, text="Internal Server Error")
    return None


def accepts_anything(_hook: Hook, _raw: bytes) -> web.Response:
    return web.json_response({"ok": True})


def refuses_unix_ms(_hook: Hook, raw: bytes) -> web.Response | None:
    if len(str(field_of(raw, "timestamp"))) != 17:
        return web.json_response({"error": "timestamp"}, status=400)
    return None


def refuses_older(hook: Hook, raw: bytes) -> web.Response | None:
    stamp = str(field_of(raw, "timestamp"))
    if len(stamp) != 17:  # Unix milliseconds: the timestamp scenario's, not this one's
        return None
    newest = max(hook.seen, default="")
    if stamp < newest:
        return web.json_response({"error": "stale"}, status=409)
    hook.seen.add(stamp)
    return None


ONE_FAILS: list[tuple[str, Behaviour, str, Grade, list[str]]] = [
    ("rejects a repeated requestId", rejects_repeats, "retry", Grade.FAIL,
     ["retry of a requestId it already had was refused", "status 409"]),
    ("chokes on long fields", chokes_on_long_extra, "limits", Grade.FAIL,
     ["chokes on fields at their limits", "extraInfo of 1024 bytes", "status 500"]),
    ("accepts a forged checksum", accepts_anything, "forged-checksum", Grade.WARN,
     ["accepts forged callbacks"]),
    ("refuses Unix milliseconds", refuses_unix_ms, "timestamp", Grade.FAIL,
     ["as Unix milliseconds", "status 400"]),
    ("refuses an older notification", refuses_older, "out-of-order", Grade.FAIL,
     ["older notification after a newer one was refused", "status 409"]),
]  # fmt: skip


def test_a_correct_webhook_passes_every_scenario(hook: Hook) -> None:
    report = graded(hook)
    assert grades(report) == {n: Grade.SKIP if n == "tls" else Grade.PASS for n in NAMES}
    assert report.ok
    assert "no TLS to check" in why(report, "tls")
    sent = sum(len(r.exchanges) for r in report.results)
    assert sent == len(hook.bodies)  # every request it received is in the report


@pytest.mark.parametrize(("_case", "behaviour", "name", "grade", "words"), ONE_FAILS)
def test_a_webhook_broken_one_way_fails_that_scenario_only(
    _case: str, behaviour: Behaviour, name: str, grade: Grade, words: list[str]
) -> None:
    with serving(Hook(behaviour=behaviour)) as hook:
        report = graded(hook)
    got = grades(report)
    also = {"concurrent-retries"} if name == "retry" else set()  # one property, two scenarios
    expected = {n: Grade.SKIP if n == "tls" else Grade.PASS for n in NAMES}
    expected.update({name: grade, **{n: Grade.FAIL for n in also}})
    assert got == expected
    for word in words:
        assert word in why(report, name)
    assert report.ok is (grade is Grade.WARN)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda: web.Response(text="OK"), ["answers 200 text/plain", "'OK'", "not JSON"]),
        (lambda: web.json_response({"ok": True}, status=201), ["answers 201", "only status 200"]),
        (lambda: web.Response(status=204), ["answers 204", "only status 200"]),
    ],
    ids=["text OK", "201", "204"],
)
def test_a_wrong_answer_shape_is_named(answer: object, words: list[str]) -> None:
    with serving(Hook(behaviour=lambda _h, _r: answer())) as hook:  # type: ignore[operator]
        report = graded(hook, ("complete", "forged-checksum", "answer-shape"))
    for word in words:
        assert word in why(report, "answer-shape")
    assert grades(report)["answer-shape"] is Grade.FAIL
    assert grades(report)["complete"] is Grade.FAIL
    assert "sends it again, 3 attempts in all" in why(report, "complete")
    # A webhook refusing everything refuses the forged checksum too: that proves nothing.
    assert grades(report)["forged-checksum"] is Grade.WARN
    assert "cannot tell" in why(report, "forged-checksum")
    assert not report.ok
