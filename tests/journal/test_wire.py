"""An exchange as the inspector shows and copies it: no byte lost (non-UTF-8 as escapes), JSON
made pretty only when it is JSON, the answer never given said in words, the full URL of a
received request rebuilt from its Host."""

from __future__ import annotations

import json

import pytest

from capture.journal import wire
from capture.journal.records import ANSWERING, DROPPED, SENDER_GONE, Direction, Exchange, Timing


def received(**changes: object) -> Exchange:
    base: dict[str, object] = {
        "direction": Direction.RECEIVED,
        "at": "2026-12-03T10:00:00.000Z",
        "method": "POST",
        "url": "/callback?x=1",
        "http_version": "HTTP/1.1",
        "request_headers": ((b"Host", b"127.0.0.1:8787"), (b"X-Odd", b"caf\xe9")),
        "request_body": b'{"requestId": "r1", "code": 200}',
        "request_size": 31,
        "status": 200,
        "response_headers": ((b"Content-Type", b"application/json"),),
        "response_body": b'{"ok": true}',
        "response_size": 12,
        "remote": "127.0.0.1",
    }
    base.update(changes)
    return Exchange(**base)  # type: ignore[arg-type]


def test_non_utf8_bytes_are_escaped_not_dropped() -> None:
    assert wire.decoded(b"caf\xe9 \xff ok") == "caf\\xe9 \\xff ok"
    assert wire.header_pairs(received().request_headers)[1] == ("X-Odd", "caf\\xe9")
    assert wire.headers_text(received().request_headers) == "Host: 127.0.0.1:8787\nX-Odd: caf\\xe9"


@pytest.mark.parametrize(
    ("body", "pretty", "is_json"),
    [
        (
            b'{"a":[1,2],"b":"\xc3\xa9"}',
            json.dumps({"a": [1, 2], "b": "é"}, indent=2, ensure_ascii=False),
            True,
        ),
        (b"OK", "OK", False),
        (b"\xff\xfe{", "\\xff\\xfe{", False),
        (b"[" * 100_000, "[" * 100_000, False),  # too deep for json: shown as it is
        (b"", "", False),
    ],
    ids=["json", "text", "not-utf8", "deep", "empty"],
)
def test_a_body_is_pretty_only_when_it_is_json(body: bytes, pretty: str, is_json: bool) -> None:
    assert wire.pretty_body(body) == (pretty, is_json)


def test_the_answer_never_given_is_said_in_words() -> None:
    assert wire.status_line(received()) == "HTTP/1.1 200 OK"
    assert wire.status_line(received(status=500)) == "HTTP/1.1 500 Internal Server Error"
    assert wire.status_line(received(status=599)) == "HTTP/1.1 599"
    assert "dropped" in wire.status_line(received(status=DROPPED))
    assert "not sent yet" in wire.status_line(received(status=ANSWERING))
    assert "hung up" in wire.status_line(received(status=SENDER_GONE))
    refused = received(status=None, error="connection refused")
    assert wire.status_line(refused) == "(no answer): connection refused"


def test_the_full_url_of_a_received_request_comes_from_its_host() -> None:
    assert wire.full_url(received()) == "http://127.0.0.1:8787/callback?x=1"
    assert wire.full_url(received(request_headers=())) == "http://127.0.0.1/callback?x=1"
    sent = received(direction=Direction.SENT, url="https://hook.example/cb")
    assert wire.full_url(sent) == "https://hook.example/cb"


def test_a_cut_body_says_how_much_was_kept() -> None:
    assert wire.body_note(b"abc", 3) == "" and wire.body_note(b"abc", None) == ""
    assert wire.body_note(b"a" * 65536, 2_097_152) == "(the first 65,536 of 2,097,152 bytes kept)"


def test_timings_name_what_was_measured_and_only_that() -> None:
    assert wire.timing_text(received(timing=Timing())) == "not timed"
    timed = received(timing=Timing(total_ms=12.34, connect_ms=1.0, first_byte_ms=10.0))
    assert wire.timing_text(timed) == "connect 1.0 ms · first byte 10.0 ms · total 12.3 ms"


def test_the_whole_exchange_holds_both_messages() -> None:
    text = wire.exchange_text(received())
    request, _, answer = text.partition("\n\nHTTP/1.1 200 OK")
    assert request.endswith('POST /callback?x=1 HTTP/1.1\nHost: 127.0.0.1:8787\nX-Odd: caf\\xe9'
                            '\n\n{"requestId": "r1", "code": 200}')  # fmt: skip
    assert answer == '\nContent-Type: application/json\n\n{"ok": true}'
    assert text.startswith("# received 2026-12-03T10:00:00.000Z · http://127.0.0.1:8787/callback")
