"""Delivering one notification to a real loopback aiohttp server started in the test (port 0):
the body and Content-Type on the wire, what counts as success, three attempts in all."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from capture.delivery.sender import (
    ATTEMPTS,
    MAX_ANSWER,
    AttemptResult,
    client_session,
    deliver,
)
from capture.spec.payload import Notification

SID = "0123456789abcdef0123456789abcdef"
NOTE = Notification(
    request_id=f"{SID}_1704164645_{'a' * 32}",
    channel="room 1",
    uid=42,
    object_key=f"20240102/{SID}_room 1__uid_s_42__uid_e_video_20240102030405006.jpg",
    utc="20240102030405006",
    callback_data="extra é",
)

Answer = Callable[[int], web.StreamResponse]  # request number (1-based) -> response


@dataclass
class Received:
    bodies: list[bytes] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)


@asynccontextmanager
async def webhook(answer: Answer) -> AsyncIterator[tuple[str, Received]]:
    """A loopback webhook on a free port that records what it receives."""
    received = Received()

    async def handle(request: web.Request) -> web.StreamResponse:
        received.bodies.append(await request.read())
        received.content_types.append(request.headers.get("Content-Type", ""))
        received.methods.append(request.method)
        response = answer(len(received.bodies))
        if isinstance(response, Chunked):
            await response.send(request)
        return response

    app = web.Application()
    app.router.add_route("*", "/hook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/hook", received
    finally:
        await runner.cleanup()


def send(answer: Answer) -> tuple[list[AttemptResult], Received, bytes, list[AttemptResult]]:
    """Deliver NOTE to a fresh webhook; returns results, what arrived, the body sent and the
    results as reported one by one to the on_attempt callback."""

    async def scenario() -> tuple[list[AttemptResult], Received, bytes, list[AttemptResult]]:
        reported: list[AttemptResult] = []

        async def on_attempt(result: AttemptResult) -> None:
            reported.append(result)

        async with webhook(answer) as (url, received), client_session() as session:
            body = NOTE.encode(url)
            results = await deliver(session, url, body, on_attempt)
        return results, received, body, reported

    return asyncio.run(scenario())


class Chunked(web.StreamResponse):
    """A 200 sent with chunked encoding (no Content-Length), its body in two parts."""

    def __init__(self, body: bytes) -> None:
        super().__init__(headers={"Content-Type": "application/json"})
        self.enable_chunked_encoding()
        self._body_parts = (body[: len(body) // 2], body[len(body) // 2 :])

    async def send(self, request: web.Request) -> None:
        await self.prepare(request)
        for part in self._body_parts:
            await self.write(part)
        await self.write_eof()


def json_ok(_n: int) -> web.Response:
    return web.json_response({"ok": True})


def test_success_on_the_first_attempt_sends_exactly_the_json_body() -> None:
    results, received, body, reported = send(json_ok)
    assert received.bodies == [body]
    assert received.methods == ["POST"]
    assert received.content_types == ["application/json;charset=utf-8"]
    sent = json.loads(received.bodies[0].decode("utf-8"))
    assert sent["requestId"] == NOTE.request_id
    assert sent["callbackData"] == "extra é"
    [result] = results
    assert (result.attempt, result.status, result.ok, result.error) == (1, 200, True, "")
    assert result.ms > 0
    assert json.loads(result.body_excerpt) == {"ok": True}
    assert reported == results


def test_checksum_on_the_wire_is_computed_with_the_url_posted_to() -> None:
    _, received, _, _ = send(json_ok)
    sent = json.loads(received.bodies[0])
    url = NOTE.body("http://placeholder")  # same fields, another address
    assert sent["checksum"] != url["checksum"]
    assert {k: v for k, v in sent.items() if k != "checksum"} == {
        k: v for k, v in url.items() if k != "checksum"
    }


def test_a_server_that_keeps_failing_gets_three_attempts_with_the_same_body() -> None:
    results, received, body, reported = send(lambda _n: web.json_response({}, status=500))
    assert ATTEMPTS == 3
    assert received.bodies == [body, body, body]  # same body, so the same requestId, each time
    assert [r.attempt for r in results] == [1, 2, 3]
    assert [(r.status, r.ok) for r in results] == [(500, False)] * 3
    assert all(r.error == "status 500, expected 200" for r in results)
    assert reported == results


def test_retries_stop_at_the_first_success() -> None:
    def fail_twice(n: int) -> web.Response:
        return web.json_response({"n": n}, status=503 if n < 3 else 200)

    results, received, _, _ = send(fail_twice)
    assert len(received.bodies) == 3
    assert [(r.attempt, r.status, r.ok) for r in results] == [
        (1, 503, False),
        (2, 503, False),
        (3, 200, True),
    ]


def test_one_failure_then_success_takes_two_attempts() -> None:
    results, received, _, _ = send(lambda n: web.json_response({}, status=500 if n == 1 else 200))
    assert [r.ok for r in results] == [False, True]
    assert len(received.bodies) == 2


def test_any_json_value_counts_as_a_json_body() -> None:
    """Success is status 200 with a body that parses as JSON, whatever JSON it is. (Every way
    an attempt can fail is covered with the sender's fault tests.)"""
    for text in ("[]", '"fine"', "0", "null"):
        results, _, _, _ = send(lambda _n, t=text: web.Response(text=t))  # type: ignore[misc]
        assert [r.ok for r in results] == [True], text


def padded_json(size: int) -> bytes:
    """A JSON object of exactly `size` bytes."""
    head = b'{"pad": "'
    return head + b"x" * (size - len(head) - 2) + b'"}'


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_answer_of_64_kib_is_read_and_one_byte_more_is_not(chunked: bool) -> None:
    def answer(size: int) -> Answer:
        body = padded_json(size)
        return lambda _n: Chunked(body) if chunked else web.Response(body=body)

    results, _, _, _ = send(answer(MAX_ANSWER))
    assert [(r.ok, r.status) for r in results] == [(True, 200)]

    results, received, _, _ = send(answer(MAX_ANSWER + 1))
    assert len(received.bodies) == ATTEMPTS
    assert {(r.ok, r.status, r.error) for r in results} == {
        (False, 200, "status 200 but the answer is larger than 64 KiB (not read)")
    }


def test_a_large_answer_with_a_failing_status_is_judged_by_its_status() -> None:
    big = padded_json(MAX_ANSWER * 2)
    results, _, _, _ = send(lambda _n: web.Response(body=big, status=500))
    assert {r.error for r in results} == {"status 500, expected 200"}


@pytest.mark.parametrize("status", [300, 304])
def test_a_3xx_without_a_location_is_a_wrong_status(status: int) -> None:
    results, received, _, _ = send(lambda _n: web.Response(status=status))
    assert len(received.bodies) == ATTEMPTS
    assert {r.error for r in results} == {f"status {status}, expected 200"}
