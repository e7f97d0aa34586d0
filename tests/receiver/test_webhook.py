"""The embedded webhook over real loopback HTTP: it checks, verifies, journals and answers, and
keeps serving after bad requests. (Answer modes and hardening are tested with the faults.)"""

from __future__ import annotations

import http.client
import json
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from capture import events
from capture.engine import Engine
from capture.journal.writer import Journal, connect
from capture.receiver.webhook import MAX_BODY, WebhookServer
from capture.runtime import ThreadWorker
from capture.spec.payload import Notification
from tests.support.events import EventLog

SID = "0123456789abcdef0123456789abcdef"
START_S = 10.0


def note(n: int = 1) -> Notification:
    return Notification(
        request_id=f"{SID}_1704164645_{n:032x}",
        channel="room",
        uid=7,
        object_key=f"20240102/{SID}_room__uid_s_7__uid_e_video_20240102030405006.jpg",
        utc="20240102030405006",
    )


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        assert self.headers.get("Content-Type", "").startswith("application/json"), self.headers
        return json.loads(self.body)


def request(url: str, method: str = "POST", body: bytes | None = None) -> Reply:
    host_port, path = url.removeprefix("http://").split("/", 1)
    host, port = host_port.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=START_S)
    try:
        headers = {"Content-Type": "application/json;charset=utf-8"} if body is not None else {}
        conn.request(method, "/" + path, body=body, headers=headers)
        response = conn.getresponse()
        return Reply(response.status, dict(response.getheaders()), response.read())
    finally:
        conn.close()


@dataclass
class Running:
    server: WebhookServer
    journal: Journal
    log: EventLog

    @property
    def url(self) -> str:
        return self.server.url

    def callbacks(self) -> list[dict[str, Any]]:
        conn = connect(self.journal.path, readonly=True)
        try:
            return [dict(r) for r in conn.execute("SELECT * FROM callbacks ORDER BY id")]
        finally:
            conn.close()


@pytest.fixture
def hook(tmp_path: Path) -> Iterator[Running]:
    journal = Journal(tmp_path / "journal.sqlite3")
    log = EventLog()
    server = WebhookServer(journal, log, port=0)
    worker = ThreadWorker("webhook", server)
    worker.start()
    try:
        assert server.ready.wait(START_S) and server.port, server.error
        yield Running(server, journal, log)
    finally:
        worker.request_stop()
        assert worker.join(START_S)
        journal.close()


def test_a_good_notification_is_answered_200_json_and_journaled(hook: Running) -> None:
    body = note().encode(hook.url)
    reply = request(hook.url, body=body)
    assert reply.status == 200
    assert reply.json() == {"ok": True, "requestId": note().request_id, "checksum": "verified"}
    [received] = hook.log.wait_for(events.CALLBACK_RECEIVED)
    assert received["checksum_ok"] is True
    assert received["requestId"] == note().request_id
    assert received["object"] == note().object_key
    assert received["verdict"] == f"checksum verified with callbackAddr {hook.url}"
    [row] = hook.callbacks()
    assert (row["checksum_ok"], row["answered"], row["code"]) == (1, 200, 200)
    assert row["request_id"] == note().request_id
    assert row["raw_body"] == body.decode()
    assert row["remote"] == "127.0.0.1"


def test_checksum_made_with_the_public_url_is_verified(hook: Running) -> None:
    public = "https://abc123.tunnel.example/callback"
    hook.server.set_public_url(public)
    reply = request(hook.url, body=note().encode(public))
    assert reply.status == 200
    assert reply.json()["checksum"] == "verified"
    [received] = hook.log.wait_for(events.CALLBACK_RECEIVED)
    assert received["checksum_ok"] is True
    assert received["verdict"] == f"checksum verified with callbackAddr {public}"


def test_checksum_made_with_localhost_is_verified_too(hook: Running) -> None:
    localhost = f"http://localhost:{hook.server.port}/callback"
    reply = request(hook.url, body=note().encode(localhost))
    assert reply.json()["checksum"] == "verified"


def test_checksum_made_with_another_address_is_reported_plainly(hook: Running) -> None:
    reply = request(hook.url, body=note().encode("http://somewhere.else/hook"))
    assert reply.status == 200  # the default answer; rejecting is an answer mode
    assert reply.json() == {"ok": False, "requestId": note().request_id, "checksum": "mismatch"}
    [received] = hook.log.wait_for(events.CALLBACK_RECEIVED)
    assert received["checksum_ok"] is False
    verdict = received["verdict"]
    assert verdict.startswith(
        "checksum does not match md5(callbackAddr + code + object + requestId)"
    )
    assert hook.url in verdict
    [row] = hook.callbacks()
    assert row["checksum_ok"] == 0
    assert row["verdict"] == verdict


def test_malformed_json_is_400_naming_the_problem(hook: Running) -> None:
    reply = request(hook.url, body=b'{"requestId": "x",')
    assert reply.status == 400
    assert reply.json()["error"].startswith("body is not valid JSON")
    [rejected] = hook.log.wait_for(events.CALLBACK_REJECTED)
    assert rejected["status"] == 400
    [row] = hook.callbacks()
    assert row["answered"] == 400
    assert row["checksum_ok"] is None
    assert row["verdict"].startswith("rejected (400): body is not valid JSON")


def test_wrong_field_type_is_400_naming_the_field(hook: Running) -> None:
    body = note().body(hook.url)
    body["code"] = "200"
    reply = request(hook.url, body=json.dumps(body).encode())
    assert reply.status == 400
    assert reply.json() == {
        "error": "code: must be a number (integer), got a string",
        "field": "code",
    }
    [row] = hook.callbacks()
    assert row["request_id"] == note().request_id  # still correlatable
    assert row["answered"] == 400


def test_body_over_64_kib_is_413_and_64_kib_is_not(hook: Running) -> None:
    body = note().body(hook.url)
    body["callbackData"] = ""
    base = len(json.dumps(body).encode())
    body["callbackData"] = "x" * (MAX_BODY - base)
    exactly = json.dumps(body).encode()
    assert len(exactly) == MAX_BODY == 64 * 1024
    assert request(hook.url, body=exactly).status == 200
    too_big = request(hook.url, body=exactly + b" ")
    assert too_big.status == 413
    assert too_big.json() == {"error": "body larger than 64 KiB"}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_are_405_allowing_post(hook: Running, method: str) -> None:
    reply = request(hook.url, method=method, body=b"{}" if method == "PUT" else None)
    assert reply.status == 405
    assert reply.headers["Allow"] == "POST"
    assert "error" in reply.json()


def test_a_post_to_the_status_page_is_405_allowing_get_and_recorded(hook: Running) -> None:
    reply = request(hook.url.replace("/callback", "/"), body=b"{}")
    assert reply.status == 405
    assert reply.headers["Allow"] == "GET, HEAD"
    [rejected] = hook.log.wait_for(events.CALLBACK_REJECTED)
    assert "only GET or HEAD" in rejected["problem"]
    assert (rejected["method"], rejected["path"]) == ("POST", "/")


def test_unknown_path_is_a_json_404(hook: Running) -> None:
    reply = request(hook.url.replace("/callback", "/nope"))
    assert reply.status == 404
    assert "error" in reply.json()


def test_keeps_serving_after_each_bad_request(hook: Running) -> None:
    bad = [
        ("POST", b"not json"),
        ("POST", b"[]"),
        ("GET", None),
        ("POST", b"{" * (MAX_BODY + 1)),
        ("POST", json.dumps({**note().body(hook.url), "userId": 7}).encode()),
    ]
    for n, (method, body) in enumerate(bad, start=1):
        assert request(hook.url, method=method, body=body).status >= 400
        good = note(n).encode(hook.url)
        assert request(hook.url, body=good).status == 200, f"not serving after bad request {n}"
    assert len(hook.log.wait_for(events.CALLBACK_RECEIVED, count=len(bad))) == len(bad)


def test_status_page_names_the_callback_url(hook: Running) -> None:
    reply = request(hook.url.replace("/callback", "/"), method="GET")
    assert reply.status == 200
    assert reply.json()["callback"] == hook.url


# -- listening ---------------------------------------------------------------------------------


def test_engine_webhook_listens_on_loopback_by_default(engine: Engine, event_log: EventLog) -> None:
    server = engine.start_webhook(port=0)
    [listening] = event_log.wait_for(events.WEBHOOK_LISTENING)
    assert server.host == "127.0.0.1"
    assert listening["host"] == "127.0.0.1"
    assert listening["url"] == server.url == f"http://127.0.0.1:{server.port}/callback"
    assert listening["note"] == ""
    assert request(server.url, body=note().encode(server.url)).status == 200


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="only Linux routes all of 127/8 to loopback"
)
def test_engine_webhook_is_not_bound_to_every_address(engine: Engine) -> None:
    """Bound to 127.0.0.1 itself: another loopback address (open on 0.0.0.0) is refused."""
    server = engine.start_webhook(port=0)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", server.port), timeout=START_S).close()


def test_taken_port_moves_to_the_next_free_one_and_says_so(
    engine: Engine, event_log: EventLog
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = engine.start_webhook(port=port)
        [listening] = event_log.wait_for(events.WEBHOOK_LISTENING)
        assert server.port > port
        assert listening["port"] == server.port
        assert listening["note"] == f"port {port} was taken; listening on {server.port}"
        assert request(server.url, body=note().encode(server.url)).status == 200
