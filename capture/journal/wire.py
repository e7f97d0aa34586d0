"""A journaled exchange as text, the way the inspector shows and copies it: start lines, header
lines, bodies raw or as pretty JSON, timings in words, and the full URL a request went to.

Qt-free, so the window's inspector, its copy buttons and the tests share one rendering. Bytes
that are not UTF-8 are shown as `\\xNN` escapes: nothing is dropped or replaced by a `?`.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from urllib.parse import urlsplit

from capture.journal.records import ANSWERING, DROPPED, SENDER_GONE, Exchange, Headers

NO_ANSWER = "(no answer)"


def decoded(data: bytes) -> str:
    """Bytes as text: UTF-8 where they are, `\\xNN` for each byte that is not."""
    return data.decode("utf-8", errors="backslashreplace")


def header_pairs(headers: Headers) -> list[tuple[str, str]]:
    """(name, value) as text, in the order and case they were sent."""
    return [(decoded(name), decoded(value)) for name, value in headers]


def headers_text(headers: Headers) -> str:
    return "\n".join(f"{name}: {value}" for name, value in header_pairs(headers))


def pretty_body(body: bytes) -> tuple[str, bool]:
    """The body as indented JSON when it is JSON (True), else as it came (False)."""
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return decoded(body), False
    return json.dumps(parsed, indent=2, ensure_ascii=False), True


def body_note(kept: bytes, size: int | None) -> str:
    """'' when the body is whole, else how much of it the journal kept."""
    if size is None or size <= len(kept):
        return ""
    return f"(the first {len(kept):,} of {size:,} bytes kept)"


def full_url(exchange: Exchange) -> str:
    """Where the request went: a sent one's URL as sent; a received one holds only its path and
    query, put under its Host header (the address the sender used), or 127.0.0.1 when it sent
    none (http: the embedded webhook speaks plain HTTP)."""
    if urlsplit(exchange.url).scheme:
        return exchange.url
    host = next(
        (decoded(v) for n, v in exchange.request_headers if n.lower() == b"host"), "127.0.0.1"
    )
    path = exchange.url if exchange.url.startswith("/") else "/" + exchange.url
    return f"http://{host}{path}"


def request_line(exchange: Exchange) -> str:
    return f"{exchange.method} {exchange.url} {exchange.http_version}"


def status_line(exchange: Exchange) -> str:
    """`HTTP/1.1 500 Internal Server Error`, or what became of an answer never given."""
    status = exchange.status
    if status is None:
        return f"{NO_ANSWER}: {exchange.error}" if exchange.error else NO_ANSWER
    special = {
        DROPPED: "connection dropped without an answer",
        ANSWERING: "a delayed answer, not sent yet",
        SENDER_GONE: "the sender hung up before the delayed answer",
    }
    if status in special:
        return f"({special[status]})"
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    return f"{exchange.http_version} {status} {reason}".rstrip()


def timing_text(exchange: Exchange) -> str:
    """The time broken down as far as it was measured: `connect 1.2 ms · first byte ...`."""
    t = exchange.timing
    parts = [
        (name, value)
        for name, value in (
            ("connect", t.connect_ms),
            ("TLS", t.tls_ms),
            ("first byte", t.first_byte_ms),
            ("total", t.total_ms),
        )
        if value is not None
    ]
    return " · ".join(f"{name} {value:.1f} ms" for name, value in parts) or "not timed"


def request_text(exchange: Exchange) -> str:
    """The request as an HTTP message: start line, headers, blank line, body."""
    return _message(request_line(exchange), exchange.request_headers, exchange.request_body)


def response_text(exchange: Exchange) -> str:
    return _message(status_line(exchange), exchange.response_headers, exchange.response_body)


def exchange_text(exchange: Exchange) -> str:
    """The whole exchange, for a ticket or a chat: where and when, the request, the answer."""
    where = f"{exchange.direction.value} {exchange.at} · {full_url(exchange)}"
    if exchange.remote:
        where += f" · from {exchange.remote}"
    return "\n\n".join(
        [
            f"# {where}\n# {timing_text(exchange)}",
            request_text(exchange),
            response_text(exchange),
        ]
    )


def _message(start: str, headers: Headers, body: bytes) -> str:
    head = "\n".join([start, headers_text(headers)]) if headers else start
    return f"{head}\n\n{decoded(body)}" if body else head
