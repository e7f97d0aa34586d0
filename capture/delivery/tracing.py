"""Each notification attempt recorded whole: the request as aiohttp sent it, the answer as it
came (bounded like the judgement: MAX_ANSWER bytes), and where the time went.

aiohttp's client tracing (TraceConfig) gives the moments: a new connection's start and end
(TCP, and for https the TLS handshake with it: aiohttp has no hook between them, so `tls_ms`
stays None), the request's headers as written, and the end of the answer's status line and
headers (`on_request_end`, the first byte's time as near as aiohttp tells it). An attempt that
never got that far keeps what it has: the headers it meant to send, no status, its error.

An Authorization value never reaches the journal: it is stored as REDACTED.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import aiohttp

from capture.events import utc_now
from capture.journal.exchanges import redacted
from capture.journal.records import Direction, Exchange, Headers, Timing
from capture.spec.naming import iso

__all__ = ["Clock", "sent_exchange", "trace_config"]


@dataclass
class Clock:
    """One attempt's moments (perf_counter seconds) and what it sent and got, filled by the
    trace hooks and the sender; `trace_request_ctx` of its request."""

    at: str = field(default_factory=lambda: iso(utc_now()))
    started: float = field(default_factory=time.perf_counter)
    connect_start: float | None = None
    connected: float | None = None
    first_byte: float | None = None
    sent_headers: Headers | None = None
    status: int | None = None
    response_headers: Headers = ()
    response_body: bytes = b""
    response_size: int | None = None

    def answered(self, response: aiohttp.ClientResponse) -> None:
        """The answer's status line and headers, as soon as they arrived."""
        self.status = response.status
        self.response_headers = tuple(response.raw_headers)
        self.response_size = response.content_length

    def read(self, body: bytes, complete: bool) -> None:
        """The answer's body as read (at most MAX_ANSWER bytes; `complete`: all of it)."""
        self.response_body = body
        if complete:
            self.response_size = len(body)


def _clock(ctx: SimpleNamespace) -> Clock | None:
    found = ctx.trace_request_ctx
    return found if isinstance(found, Clock) else None


async def _on_create_start(_s: aiohttp.ClientSession, ctx: SimpleNamespace, _p: Any) -> None:
    if clock := _clock(ctx):
        clock.connect_start = time.perf_counter()


async def _on_create_end(_s: aiohttp.ClientSession, ctx: SimpleNamespace, _p: Any) -> None:
    if clock := _clock(ctx):
        clock.connected = time.perf_counter()


async def _on_headers_sent(
    _s: aiohttp.ClientSession, ctx: SimpleNamespace, params: aiohttp.TraceRequestHeadersSentParams
) -> None:
    if clock := _clock(ctx):
        # aiohttp writes header names and values as UTF-8, in this order.
        clock.sent_headers = tuple(
            (name.encode("utf-8"), value.encode("utf-8")) for name, value in params.headers.items()
        )


async def _on_request_end(_s: aiohttp.ClientSession, ctx: SimpleNamespace, _p: Any) -> None:
    if clock := _clock(ctx):
        clock.first_byte = time.perf_counter()


def trace_config() -> aiohttp.TraceConfig:
    """The hooks filling each request's Clock (a request without one is not traced)."""
    config = aiohttp.TraceConfig()
    config.on_connection_create_start.append(_on_create_start)
    config.on_connection_create_end.append(_on_create_end)
    config.on_request_headers_sent.append(_on_headers_sent)
    config.on_request_end.append(_on_request_end)
    return config


def sent_exchange(
    clock: Clock, url: str, body: bytes, intended: Headers, *, total_ms: float, error: str
) -> Exchange:
    """The attempt as a SENT exchange; `intended`: the headers it meant to send, kept when
    aiohttp never wrote any (no connection)."""
    return Exchange(
        direction=Direction.SENT,
        at=clock.at,
        method="POST",
        url=url,
        http_version="HTTP/1.1",  # what aiohttp's client speaks
        request_headers=redacted(clock.sent_headers or intended),
        request_body=body,
        request_size=len(body),
        status=clock.status,
        response_headers=clock.response_headers,
        response_body=clock.response_body,
        response_size=clock.response_size,
        error=error,
        timing=Timing(
            total_ms=total_ms,
            connect_ms=_ms(clock.connect_start, clock.connected),
            first_byte_ms=_ms(clock.started, clock.first_byte),
        ),
    )


def _ms(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else (end - start) * 1000
