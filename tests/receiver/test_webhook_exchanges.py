"""Every request the embedded webhook receives is journaled whole, over real loopback HTTP:
its headers as sent (order, case, repeats, any byte), its body byte-exact (the first 64 KiB and
the true length), the answer it got (status, headers and body as they went on the wire) and its
time; a refused request (404, 405, 413, malformed) is a timeline row under its own status and
a `callback_rejected` event. The exchanges are written after the answers, at the latest when
the webhook stops: each test reads them once it has stopped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from capture import events
from capture.journal.exchanges import Direction, Exchange, ExchangeReader
from capture.journal.reader import RowKind, Status, TimelineReader
from capture.journal.writer import Journal, NewShot
from capture.receiver.answers import DROPPED, AnswerKind, AnswerMode
from capture.receiver.webhook import MAX_BODY
from tests.receiver.test_webhook import SID, note
from tests.support.engine import running_webhook
from tests.support.events import EventLog
from tests.support.rawhttp import exchange, post, status_of

TWO_MB = 2 * 1024 * 1024


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    made = Journal(tmp_path / "journal.sqlite3")
    yield made
    made.close()


def recorded(journal: Journal) -> list[Exchange]:
    reader = ExchangeReader(journal.path)
    try:
        return list(reader.iter_exchanges())
    finally:
        reader.close()


def wire_headers(response: bytes) -> tuple[tuple[bytes, bytes], ...]:
    """The header lines of a raw HTTP answer, as (name, value) pairs in order."""
    head = response.partition(b"\r\n\r\n")[0].split(b"\r\n")[1:]
    return tuple((n, v.lstrip(b" ")) for n, _, v in (line.partition(b":") for line in head))


def test_unusual_headers_and_a_non_utf8_body_are_recorded_byte_exact(journal: Journal) -> None:
    body = b'{"requestId": "\xff\xfe\x00", "code": 200}'
    headers = (
        (b"Host", b"127.0.0.1"),
        (b"x-ODD-case", b"One"),
        (b"X-Repeat", b"first"),
        (b"content-TYPE", b"application/json"),
        (b"x-repeat", b"second"),
        (b"X-Bytes", b"caf\xe9 \x80"),
        (b"Authorization", b"Bearer kept-as-sent"),
        (b"Content-Length", str(len(body)).encode()),
        (b"Connection", b"close"),
    )
    target = b"/callback?b=2&a=%C3%A9&a="
    raw = b"POST " + target + b" HTTP/1.1\r\n"
    raw += b"".join(n + b": " + v + b"\r\n" for n, v in headers) + b"\r\n" + body
    log = EventLog()
    with running_webhook(journal, log) as server:
        answer = exchange(server.port, raw)
        log.wait_for(events.CALLBACK_REJECTED)
    [seen] = recorded(journal)
    assert seen.direction is Direction.RECEIVED
    assert (seen.method, seen.url, seen.http_version) == ("POST", target.decode(), "HTTP/1.1")
    assert seen.request_headers == headers
    assert (seen.request_body, seen.request_size) == (body, len(body))
    assert seen.remote == "127.0.0.1"
    assert seen.status == status_of(answer) == 400
    assert seen.response_headers == wire_headers(answer)
    assert seen.response_body == answer.partition(b"\r\n\r\n")[2]
    assert seen.response_size == len(seen.response_body)
    assert b'"error"' in seen.response_body
    assert seen.timing.total_ms is not None and seen.timing.total_ms > 0
    assert seen.callback_id is not None and seen.at


def test_a_notification_exchange_is_correlated_with_its_shot(journal: Journal) -> None:
    n = note()
    session = journal.start_session(source="s", storage="x", callback_url="u", settings={})
    shot_id = journal.add_shot(
        NewShot(session, 0, SID, 7, "room", n.object_key, n.utc, 200, "Supervise complete")
    )
    journal.notification_created(shot_id, n.request_id, "{}", "u")
    with running_webhook(journal, EventLog()) as server:
        body = n.encode(server.url)
        answer = exchange(server.port, post("/callback", body, "Content-Type: application/json"))
    assert status_of(answer) == 200
    reader = ExchangeReader(journal.path)
    try:
        [seen] = reader.exchanges_for_shot(shot_id)
        assert reader.exchanges_for_request_id(n.request_id) == [seen]
        assert list(reader.iter_exchanges(session)) == [seen]
        assert seen.callback_id is not None
        assert reader.exchange_for_callback(seen.callback_id) == seen
    finally:
        reader.close()
    assert (seen.shot_id, seen.request_id, seen.object_key) == (shot_id, n.request_id, n.object_key)
    assert seen.request_body == body and seen.status == 200
    assert seen.response_body == answer.partition(b"\r\n\r\n")[2]
    assert b'"checksum": "verified"' in seen.response_body


def _chunked(path: str, size: int) -> bytes:
    """A POST whose body comes in 16 KiB chunks, saying its length only as it comes."""
    chunk = b"c" * (16 * 1024)
    parts = b"".join(
        f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" for _ in range(size // len(chunk))
    )
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
    return head.encode() + b"Connection: close\r\n\r\n" + parts + b"0\r\n\r\n"


REFUSED = [
    # (request, status, method, path, true body length, words of the problem)
    (post("/callback", b"", method="GET"), 405, "GET", "/callback", 0, "method GET not allowed"),
    (post("/callback", b"{}", method="PUT"), 405, "PUT", "/callback", 2, "method PUT"),
    (post("/other?x=1", b"hello", method="POST"), 404, "POST", "/other", 5, "no such path"),
    (post("/callback", b"{" * TWO_MB), 413, "POST", "/callback", TWO_MB, "larger than 64 KiB"),
    (_chunked("/callback", 80 * 1024), 413, "POST", "/callback", 80 * 1024, "larger than"),
    (post("/callback", b'{"requestId": "x",'), 400, None, None, 18, "not valid JSON"),
]


@pytest.mark.parametrize(
    ("raw", "status", "method", "path", "size", "words"),
    REFUSED,
    ids=["get", "put", "other-path", "2-mb", "chunked-80-kib", "malformed-json"],
)
def test_a_refused_request_is_a_row_an_event_and_an_exchange(
    journal: Journal,
    raw: bytes,
    status: int,
    method: str | None,
    path: str | None,
    size: int,
    words: str,
) -> None:
    log = EventLog()
    with running_webhook(journal, log) as server:
        answer = exchange(server.port, raw)
        [event] = log.wait_for(events.CALLBACK_REJECTED)
    assert status_of(answer) == status
    assert (event["status"], event.get("method"), event.get("path")) == (status, method, path)
    assert event["bytes"] == size and words in event["problem"]
    timeline = TimelineReader(journal.path)
    try:
        [row] = timeline.rows_since(0).rows
    finally:
        timeline.close()
    assert (row.kind, row.status) == (RowKind.CALLBACK, Status.REJECTED)
    assert row.summary.startswith(f"rejected ({status}): ") and words in row.summary
    assert row.callbacks[0].answered == status
    [seen] = recorded(journal)
    assert seen.status == status and seen.callback_id == row.id
    assert seen.request_size == size
    assert len(seen.request_body) == min(size, MAX_BODY)
    assert seen.response_body == answer.partition(b"\r\n\r\n")[2]


def test_a_dropped_connection_is_recorded_as_unanswered(journal: Journal) -> None:
    with running_webhook(journal, EventLog(), mode=AnswerMode(AnswerKind.DROP)) as server:
        body = note().encode(server.url)
        answer = exchange(server.port, post("/callback", body, "Content-Type: application/json"))
    assert answer == b""
    [seen] = recorded(journal)
    assert (seen.status, seen.response_headers, seen.response_body) == (DROPPED, (), b"")
    assert seen.response_size is None and "without an answer" in seen.error
    assert seen.request_body == body and seen.request_id == note().request_id


def test_every_request_of_a_burst_is_recorded_once_in_order(journal: Journal) -> None:
    with running_webhook(journal, EventLog()) as server:
        for n in range(1, 31):
            body = note(n).encode(server.url)
            assert status_of(exchange(server.port, post("/callback", body))) == 200
        assert status_of(exchange(server.port, post("/", b"", method="GET"))) == 200
    seen = recorded(journal)
    assert [e.request_id for e in seen[:30]] == [note(n).request_id for n in range(1, 31)]
    assert (seen[30].method, seen[30].url, seen[30].callback_id) == ("GET", "/", None)
    assert len(seen) == 31  # the status page is an exchange too, with no row
