"""A checksum made with the URL the request came to (say, through a proxy the webhook was not
told about) still verifies: the webhook tries the request's own URL when the configured
addresses do not match."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from capture import events
from capture.events import Event
from capture.journal.writer import Journal
from capture.receiver.webhook import WebhookServer
from capture.runtime import spawn_thread
from capture.spec.naming import new_request_id, new_sid, object_key, utc_digits
from capture.spec.payload import Notification
from tests.support.engine import collecting_unexpected
from tests.support.rawhttp import exchange, json_body, status_of


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


def test_checksum_made_with_the_url_the_request_came_to_is_verified(
    server: WebhookServer, verdicts: Verdicts
) -> None:
    seen_as = f"http://proxy.example:{server.port}/callback"
    sid, now = new_sid(), datetime.now(UTC)
    note = Notification(
        new_request_id(sid, now), "chan", 7, object_key("", sid, "chan", 7, now), utc_digits(now)
    )
    request = urllib.request.Request(server.url, data=note.encode(seen_as), method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Host", f"proxy.example:{server.port}")
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert json.loads(answer.read())["checksum"] == "verified"
    assert verdicts == [f"checksum verified with callbackAddr {seen_as}"]


@pytest.mark.parametrize("host", [b"proxy.example:99999", b"\xff"], ids=["port", "not-utf8"])
def test_a_host_header_that_makes_no_url_leaves_the_callback_unverified_not_failed(
    server: WebhookServer, verdicts: Verdicts, host: bytes
) -> None:
    """The request's own URL is built from its Host header only when the checksum matches none
    of the configured addresses; a Host no URL can be made of is then left out."""
    sid, now = new_sid(), datetime.now(UTC)
    note = Notification(
        new_request_id(sid, now), "chan", 7, object_key("", sid, "chan", 7, now), utc_digits(now)
    )
    body = note.encode("http://elsewhere.example/callback")
    with collecting_unexpected() as unexpected:
        response = exchange(
            server.port,
            b"POST /callback HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body),
        )
    assert status_of(response) == 200
    assert json_body(response)["checksum"] == "mismatch"
    (verdict,) = verdicts
    assert verdict.startswith("checksum does not match") and server.url in verdict
    assert unexpected.errors == []
