"""The embedded webhook verifies a checksum made with the configured address or with the URL
the request itself came to, names every address tried when none matches, and answers 408 to a
client that stops sending halfway through the body."""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from capture import events, webhook
from capture.events import Event
from capture.journal import Journal
from capture.naming import new_request_id, new_sid, object_key, utc_digits
from capture.payload import Notification
from capture.runtime import spawn_thread
from capture.webhook import WebhookServer


class Verdicts(list[str]):
    """An event sink keeping the verdict of every callback received."""

    def __call__(self, event: Event) -> None:
        if event.name == events.CALLBACK_RECEIVED:
            self.append(str(event.fields["verdict"]))


@pytest.fixture
def verdicts() -> Verdicts:
    return Verdicts()


@pytest.fixture
def server(tmp_path: Path, verdicts: Verdicts) -> Iterator[WebhookServer]:
    journal = Journal(tmp_path / "journal.sqlite3")
    hook = WebhookServer(journal, verdicts, port=0)
    worker = spawn_thread("webhook", hook)
    worker.start()
    assert hook.ready.wait(10) and hook.port
    yield hook
    worker.request_stop()
    assert worker.join(10)
    journal.close()


def body_for(address: str) -> bytes:
    sid, now = new_sid(), datetime.now(UTC)
    key = object_key("", sid, "chan", 7, now)
    return Notification(new_request_id(sid, now), "chan", 7, key, utc_digits(now)).encode(address)


def post(url: str, body: bytes, host: str | None = None) -> dict[str, object]:
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    if host:
        request.add_header("Host", host)
    with urllib.request.urlopen(request, timeout=5) as answer:
        return dict(json.loads(answer.read()))


@pytest.mark.parametrize("which", ["local", "localhost", "public"])
def test_verifies_a_checksum_made_with_a_configured_address(
    server: WebhookServer, which: str
) -> None:
    server.set_public_url("https://tunnel.example/hook")
    address = {
        "local": server.url,
        "localhost": f"http://localhost:{server.port}/callback",
        "public": "https://tunnel.example/hook",
    }[which]
    assert post(server.url, body_for(address))["checksum"] == "verified"


def test_verifies_a_checksum_made_with_the_url_the_request_came_to(
    server: WebhookServer,
) -> None:
    seen_as = f"http://proxy.example:{server.port}/callback"
    answer = post(server.url, body_for(seen_as), host=f"proxy.example:{server.port}")
    assert answer["checksum"] == "verified"


def test_a_mismatch_names_every_address_tried(server: WebhookServer, verdicts: Verdicts) -> None:
    answer = post(server.url, body_for("http://elsewhere.example/cb"))
    assert answer["checksum"] == "mismatch"
    [verdict] = verdicts
    assert server.url in verdict
    assert f"http://localhost:{server.port}/callback" in verdict
    assert "elsewhere.example" not in verdict


def test_a_body_that_stops_halfway_gets_408(
    server: WebhookServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook, "BODY_READ_TIMEOUT_S", 0.3)
    body = body_for(server.url)
    head = (
        f"POST /callback HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(head + body[: len(body) // 2])
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"body not received in time" in answer
