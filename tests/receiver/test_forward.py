"""--forward-to and --relay-answer over real loopback HTTP: a forward reaches its target
byte-exact (hop-by-hop headers removed, an unusual header kept with its case), the target's
answer is journaled beside the received request, a relayed 500 makes the real sender retry,
a stalled target times out at the deadline without holding up other requests, a refused
target is said so, and a forward to the webhook itself is refused."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from capture import events
from capture.delivery.sender import deliver
from capture.errors import ConfigError
from capture.journal.exchanges import ExchangeReader
from capture.journal.reader import TimelineReader
from capture.journal.records import Direction, Exchange
from capture.journal.writer import Journal
from capture.receiver.webhook import WebhookServer
from capture.runtime import ThreadWorker
from capture.settings.model import CallbackSettings
from capture.spec.delivery import DEADLINE_S
from tests.receiver.test_webhook_answers import answered_column, body_for
from tests.support.aioapp import serving_app
from tests.support.engine import running_webhook
from tests.support.events import EventLog
from tests.support.loopback import SilentServer
from tests.support.servers import free_port
from tests.support.waits import POLL_S, WAIT_S

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authorization", "te", "trailer", "host"}


@dataclass
class Target:
    """A forward target recording each request it receives (raw headers, body)."""

    status: int = 201
    body: bytes = b'{"target": true}'
    received: list[tuple[str, str, list[tuple[bytes, bytes]], bytes]] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook?x=1"

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append((request.method, request.path_qs, list(request.raw_headers), body))
        headers = {"X-Target-Said": "So", "Content-Type": "application/json"}
        if 300 <= self.status < 400:
            headers["Location"] = "/hook"  # followed, it would come back here: counted
        return web.Response(status=self.status, body=self.body, headers=headers)


@contextmanager
def target(status: int = 201) -> Iterator[Target]:
    t = Target(status=status)
    app = web.Application()
    app.router.add_route("*", "/hook", t.handle)
    with serving_app(app, name="forward-target") as port:
        t.port = port
        yield t


def post(
    url: str, body: bytes, headers: list[tuple[str, str]]
) -> tuple[int, dict[str, str], bytes]:
    """POST with headers sent in this order and case (http.client puts each as given)."""
    host, port = url.removeprefix("http://").split("/", 1)[0].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=WAIT_S)
    try:
        conn.putrequest("POST", "/callback", skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        answer = conn.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        conn.close()


def forwards(journal: Journal, count: int) -> list[Exchange]:
    """The journal's forwarded exchanges, waiting (bounded) until `count` are there: exchanges
    are written off the answer's path, with no signal a test can wait on."""
    reader = ExchangeReader(journal.path)
    try:
        deadline = time.monotonic() + WAIT_S
        while True:
            found = [e for e in reader.iter_exchanges() if e.direction is Direction.FORWARDED]
            if len(found) >= count:
                return found
            assert time.monotonic() < deadline, f"{len(found)} forwards journaled"
            threading.Event().wait(POLL_S)
    finally:
        reader.close()


ODD = [
    ("Content-Type", "application/json"),
    ("X-ShotHook-OdD-CaSe", "Kept As Is"),
    ("Connection", "keep-alive"),
    ("Keep-Alive", "timeout=5"),
    ("Proxy-Authorization", "Basic c2VjcmV0"),
    ("TE", "trailers"),
    ("Trailer", "X-Later"),
    ("x-second", "two"),
]


def test_a_forward_reaches_its_target_byte_exact_without_hop_by_hop_headers(
    tmp_path: Path,
) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    log = EventLog()
    try:
        with target() as t, running_webhook(journal, log, forward_to=t.url) as hook:
            body = body_for("good", hook.url)
            status, _headers, answer = post(hook.url, body, ODD)
            assert status == 200 and b"ok" in answer.lower()  # the webhook's own answer
            (fwd,) = forwards(journal, 1)
            (event,) = log.wait_for(events.CALLBACK_FORWARDED)
        (method, path, raw, got) = t.received[0]
        assert (method, path, got) == ("POST", "/hook?x=1", body)
        names = [n.decode("latin-1") for n, _v in raw]
        sent = [(n.encode(), v.encode()) for n, v in ODD if n.lower() not in HOP_BY_HOP]
        sent.append((b"Content-Length", str(len(body)).encode()))
        assert [(n, v) for n, v in raw if n.lower() != b"host"] == sent  # order, case, values
        assert "X-ShotHook-OdD-CaSe" in names
        assert dict(raw)[b"Host"] == f"127.0.0.1:{t.port}".encode()
        assert (fwd.url, fwd.status, fwd.response_body, fwd.relayed) == (
            t.url,
            201,
            t.body,
            False,
        )
        assert fwd.request_body == body and fwd.callback_id is not None
        assert (b"X-Target-Said", b"So") in fwd.response_headers
        assert event["status"] == 201 and event["error"] == "" and not event["relayed"]
        assert event["requestId"] == fwd.request_id
    finally:
        journal.close()


def test_relay_answer_gives_the_sender_the_targets_answer_and_journals_it(
    tmp_path: Path,
) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    try:
        with (
            target(status=500) as t,
            running_webhook(journal, EventLog(), forward_to=t.url, relay_answer=True) as hook,
        ):
            status, headers, answer = post(hook.url, body_for("good", hook.url), ODD[:2])
            (fwd,) = forwards(journal, 1)
        assert (status, answer) == (500, t.body)
        assert headers["x-target-said"] == "So"
        assert fwd.relayed and fwd.status == 500
        assert answered_column(journal) == [500]  # the callbacks row says what was answered
    finally:
        journal.close()


async def _deliver(url: str, body: bytes) -> list[int | None]:
    async with aiohttp.ClientSession() as session:
        return [a.status for a in await deliver(session, url, body)]


def test_a_relayed_500_makes_the_real_sender_retry_three_times(tmp_path: Path) -> None:
    import asyncio

    journal = Journal(tmp_path / "journal.sqlite3")
    try:
        with (
            target(status=500) as t,
            running_webhook(journal, EventLog(), forward_to=t.url, relay_answer=True) as hook,
        ):
            statuses = asyncio.run(_deliver(hook.url, body_for("good", hook.url)))
            forwards(journal, 3)
        assert statuses == [500, 500, 500]
        assert len(t.received) == 3
        assert len({got for _m, _p, _h, got in t.received}) == 1  # the same body each time
    finally:
        journal.close()


def test_a_stalled_target_times_out_at_the_deadline_and_blocks_no_other_request(
    tmp_path: Path,
) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    log = EventLog()
    results: list[tuple[int, bytes]] = []
    try:
        with (
            SilentServer() as silent,
            running_webhook(
                journal, log, forward_to=f"{silent.endpoint}/hook", relay_answer=True
            ) as hook,
        ):
            body = body_for("good", hook.url)

            def send() -> None:
                status, _h, answer = post(hook.url, body, ODD[:1])
                results.append((status, answer))

            senders = [threading.Thread(target=send) for _ in range(2)]
            started = time.monotonic()
            for s in senders:
                s.start()
            # Both forwards are under way at once: the first did not hold up the second.
            log.wait_until(lambda: len(silent.requests) >= 2, WAIT_S, "two forwards")
            conn = http.client.HTTPConnection("127.0.0.1", hook.port, timeout=WAIT_S)
            conn.request("GET", "/")
            assert conn.getresponse().status == 200  # the webhook answers meanwhile
            conn.close()
            for s in senders:
                s.join(WAIT_S)
            took = time.monotonic() - started
            got = log.wait_for(events.CALLBACK_FORWARDED, 2)
        assert [status for status, _ in results] == [502, 502]
        assert all(b"forward timed out after 5 s" in answer for _, answer in results)
        assert DEADLINE_S <= took < 2 * DEADLINE_S  # concurrent, not one after the other
        assert {e["error"] for e in got} == {"forward timed out after 5 s"}
        assert {e["status"] for e in got} == {None}
    finally:
        journal.close()


def test_a_refused_target_is_said_so_and_the_own_answer_still_goes(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    log = EventLog()
    closed = f"http://127.0.0.1:{free_port()}/hook"
    try:
        with running_webhook(journal, log, forward_to=closed) as hook:
            status, _h, _answer = post(hook.url, body_for("good", hook.url), ODD[:1])
            (fwd,) = forwards(journal, 1)
            (event,) = log.wait_for(events.CALLBACK_FORWARDED)
        assert status == 200
        assert fwd.status is None and fwd.error == "forward refused: connection refused"
        assert event["error"] == "forward refused: connection refused"
    finally:
        journal.close()


def test_a_forward_to_the_webhook_itself_is_refused_naming_the_flag() -> None:
    for target_url in (
        "http://127.0.0.1:8787/callback",
        "http://localhost:8787/callback/",
        "http://[::1]:8787/callback",
    ):
        (problem,) = CallbackSettings(forward_to=target_url).problems()
        assert isinstance(problem, ConfigError) and problem.field == "forward_to"
        assert "own URL" in problem.rule
    assert CallbackSettings(forward_to="http://127.0.0.1:8788/callback").problems() == []
    assert CallbackSettings(forward_to="http://127.0.0.1:8787/other").problems() == []
    (bad,) = CallbackSettings(forward_to="ftp://127.0.0.1/x").problems()
    assert bad.field == "forward_to"


def test_a_webhook_whose_port_makes_the_target_itself_does_not_forward(tmp_path: Path) -> None:
    """The settings' check knows the port asked for; the server checks the one it got."""
    journal = Journal(tmp_path / "journal.sqlite3")
    log = EventLog()
    port = free_port()
    try:
        server = WebhookServer(
            journal, log, port=port, forward_to=f"http://127.0.0.1:{port}/callback"
        )
        worker = ThreadWorker("webhook", server)
        worker.start()
        try:
            assert server.ready.wait(WAIT_S) and server.port == port, server.error
            (warning,) = log.wait_for(events.WARNING)
            assert "own URL" in warning["message"] and "--forward-to" in warning["message"]
            status, _h, _a = post(server.url, body_for("good", server.url), ODD[:1])
            assert status == 200
        finally:
            worker.request_stop()
            assert worker.join(WAIT_S)
        assert log.named(events.CALLBACK_FORWARDED) == []
    finally:
        journal.close()


@pytest.mark.parametrize("relay", [False, True])
def test_a_request_refused_before_its_body_is_not_forwarded(tmp_path: Path, relay: bool) -> None:
    """405 and 404 are the webhook's own: only POSTs on the callback path go on."""
    journal = Journal(tmp_path / "journal.sqlite3")
    log = EventLog()
    try:
        with (
            target() as t,
            running_webhook(journal, log, forward_to=t.url, relay_answer=relay) as hook,
        ):
            conn = http.client.HTTPConnection("127.0.0.1", hook.port, timeout=WAIT_S)
            conn.request("GET", "/callback")
            assert conn.getresponse().status == 405
            conn.close()
            status, _h, _a = post(hook.url, b"{not json", ODD[:1])
            forwards(journal, 1)  # the malformed POST is forwarded: its target may judge it
        assert status == (201 if relay else 400)
        assert [m for m, _p, _h, _b in t.received] == ["POST"]
        rejected = log.wait_for(events.CALLBACK_REJECTED, 2)[1]
        assert rejected["status"] == status
        assert rejected["problem"].endswith("(the forward target's answer relayed)") == relay
    finally:
        journal.close()


def test_the_timeline_detail_reads_each_forward_beside_its_delivery(tmp_path: Path) -> None:
    """What the detail pane's Forwarded section shows comes from the journal."""
    journal = Journal(tmp_path / "journal.sqlite3")
    closed = f"http://127.0.0.1:{free_port()}/hook"
    try:
        with running_webhook(journal, EventLog(), forward_to=closed) as hook:
            post(hook.url, body_for("good", hook.url), ODD[:1])
            forwards(journal, 1)
        reader = TimelineReader(journal.path)
        try:
            (row,) = reader.rows_since(0).rows
            (received,) = reader.detail(row).received
        finally:
            reader.close()
        assert received.forward is not None
        assert (received.forward.target, received.forward.status) == (closed, None)
        assert received.forward.error == "forward refused: connection refused"
        assert not received.forward.relayed
    finally:
        journal.close()


def test_a_3xx_is_relayed_as_is_and_never_followed(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    try:
        with (
            target(status=302) as t,
            running_webhook(journal, EventLog(), forward_to=t.url, relay_answer=True) as hook,
        ):
            status, headers, _answer = post(hook.url, body_for("good", hook.url), ODD[:1])
            (fwd,) = forwards(journal, 1)
        assert (status, headers["location"]) == (302, "/hook")
        assert len(t.received) == 1 and fwd.status == 302
    finally:
        journal.close()


def test_an_authorization_value_is_forwarded_but_not_journaled_again(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    secret = "Bearer do-not-keep-me"
    try:
        with target() as t, running_webhook(journal, EventLog(), forward_to=t.url) as hook:
            post(hook.url, body_for("good", hook.url), [*ODD[:1], ("Authorization", secret)])
            (fwd,) = forwards(journal, 1)
        assert (b"Authorization", secret.encode()) in t.received[0][2]
        assert (b"Authorization", b"(redacted)") in fwd.request_headers
    finally:
        journal.close()
