"""Each attempt the sender makes is journaled whole as a SENT exchange: the request's headers
and exact body, the answer's status, headers and body (bounded), and connect / first byte /
total timings from aiohttp's tracing; resends too. Real loopback HTTP, a real journal."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from capture.delivery.resend import ResendRequest, find, prepare, send
from capture.delivery.sender import MAX_ANSWER, attempt_once, client_session
from capture.journal.exchanges import REDACTED, ExchangeReader
from capture.journal.records import Direction, Exchange
from capture.paths import DataDir
from tests.support.aioapp import serving_app
from tests.support.notify import notifier_harness

ANSWER = b'{"error": "busy"}\n\xff\xfe not utf-8'
CUSTOM = (("X-Custom", "one"), ("X-Trace-Id", "abc-123"), ("Retry-After", "7"))


@dataclass
class Hook:
    url: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    bodies: list[bytes] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)
    answer: bytes = ANSWER


@pytest.fixture
def hook() -> Iterator[Hook]:
    made = Hook("")

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        with made.lock:
            made.bodies.append(body)
            made.authorizations.append(request.headers.get("Authorization", ""))
        return web.Response(status=500, body=made.answer, headers=dict(CUSTOM))

    app = web.Application()
    app.router.add_post("/hook", handle)
    with serving_app(app) as port:
        made.url = f"http://127.0.0.1:{port}/hook"
        yield made


def sent(data_dir: DataDir, shot_id: int) -> list[Exchange]:
    reader = ExchangeReader(data_dir.journal)
    try:
        return reader.exchanges_for_shot(shot_id)
    finally:
        reader.close()


def test_a_failed_attempt_is_journaled_with_the_answer_whole(data_dir: DataDir, hook: Hook) -> None:
    with notifier_harness(data_dir) as harness:
        done = harness.send(hook.url)
    assert not done.delivered

    exchanges = sent(data_dir, done.job.shot_id)

    assert [e.attempt for e in exchanges] == [1, 2, 3]
    assert hook.bodies == [done.job.body] * 3
    for exchange in exchanges:
        assert exchange.direction is Direction.SENT
        assert (exchange.method, exchange.url) == ("POST", hook.url)
        assert exchange.request_id == done.job.request_id
        assert exchange.request_body == done.job.body  # byte for byte
        assert exchange.request_size == len(done.job.body)
        request = {n.lower(): v for n, v in exchange.request_headers}
        assert request[b"content-type"] == b"application/json;charset=utf-8"
        assert request[b"user-agent"].startswith(b"ShotHook/")
        assert request[b"content-length"] == str(len(done.job.body)).encode()
        assert exchange.status == 500
        for name, value in CUSTOM:
            assert (name.encode(), value.encode()) in exchange.response_headers
        assert exchange.response_body == ANSWER
        assert exchange.response_size == len(ANSWER)
        assert exchange.error == "status 500, expected 200"
        t = exchange.timing
        assert t.connect_ms is not None and t.first_byte_ms is not None
        assert t.total_ms is not None
        assert 0 <= t.connect_ms <= t.first_byte_ms <= t.total_ms
        assert t.tls_ms is None  # plain http


def test_a_refused_connection_is_an_exchange_without_status(data_dir: DataDir) -> None:
    with socket.socket() as sock:  # a port nothing listens on (bound, never listening)
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
        with notifier_harness(data_dir) as harness:
            done = harness.send(url)

    exchanges = sent(data_dir, done.job.shot_id)

    assert len(exchanges) == 3
    for exchange in exchanges:
        assert exchange.status is None
        assert "connection refused" in exchange.error
        assert exchange.request_body == done.job.body
        assert exchange.response_headers == () and exchange.response_body == b""
        assert exchange.timing.first_byte_ms is None
        assert exchange.timing.total_ms is not None and exchange.timing.total_ms >= 0


def test_an_answer_is_kept_up_to_the_bound(data_dir: DataDir, hook: Hook) -> None:
    hook.answer = b"x" * (MAX_ANSWER + 10)
    with notifier_harness(data_dir) as harness:
        done = harness.send(hook.url)

    first = sent(data_dir, done.job.shot_id)[0]

    assert first.status == 500
    assert first.response_body == b""  # announced larger than the bound: not read
    assert first.response_size == MAX_ANSWER + 10


def test_an_authorization_value_is_never_journaled(hook: Hook) -> None:
    async def attempt() -> Exchange | None:
        async with client_session() as session:
            result = await attempt_once(
                session, hook.url, b"{}", 1, extra_headers={"Authorization": "Bearer s3cr3t"}
            )
        return result.exchange

    exchange = asyncio.run(attempt())

    assert hook.authorizations == ["Bearer s3cr3t"]  # sent as given
    assert exchange is not None
    assert (b"Authorization", REDACTED.encode()) in exchange.request_headers
    assert b"s3cr3t" not in repr(exchange).encode()


def test_a_resend_journals_its_attempts_as_exchanges(data_dir: DataDir, hook: Hook) -> None:
    with notifier_harness(data_dir) as harness:
        done = harness.send(hook.url)
        prepared = prepare(
            find(harness.journal, done.job.request_id), ResendRequest(done.job.request_id)
        )
        hook.bodies.clear()
        outcome = asyncio.run(send(harness.journal, prepared))
    assert not outcome.delivered

    exchanges = sent(data_dir, done.job.shot_id)

    assert len(exchanges) == 6  # the pipeline's three, then the resend's three
    resent = exchanges[3:]
    assert [e.attempt for e in resent] == [1, 2, 3]
    assert all(e.request_body == prepared.body == hook.bodies[0] for e in resent)
    assert all(e.status == 500 and e.response_body == ANSWER for e in resent)


def test_a_redirect_is_kept_with_its_location_and_not_followed(data_dir: DataDir) -> None:
    async def moved(_request: web.Request) -> web.Response:
        raise web.HTTPFound("http://127.0.0.1:9/elsewhere", text="see elsewhere")

    app = web.Application()
    app.router.add_post("/hook", moved)
    with serving_app(app) as port, notifier_harness(data_dir) as harness:
        done = harness.send(f"http://127.0.0.1:{port}/hook")

    first = sent(data_dir, done.job.shot_id)[0]

    assert first.status == 302
    assert (b"Location", b"http://127.0.0.1:9/elsewhere") in first.response_headers
    assert first.response_body == b""  # its body is not read: the status decides
    assert first.error.startswith("status 302: redirected to http://127.0.0.1:9/elsewhere")
