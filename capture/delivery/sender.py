"""Delivering notifications: POST JSON, 5-second deadline, 3 attempts, the same requestId.

An attempt succeeds only when the answer arrives within 5 s, has status 200 and a JSON body.
Otherwise the sender retries at once, three attempts in all. Each attempt opens its own
connection, so one attempt's broken connection cannot spoil the next.

The answer must come from the callback URL itself: a redirect is a failed attempt, not
followed (aiohttp would repeat it as a GET without the body, and the other host's 200 would
count as the delivery). Only the first `MAX_ANSWER` bytes of an answer are read: "is it
JSON" needs no more, and a webhook streaming an endless body must not fill this process's
memory.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp

from capture.delivery.tracing import Clock, sent_exchange, trace_config
from capture.journal.records import Exchange
from capture.spec.delivery import ATTEMPTS, DEADLINE_S, MAX_ANSWER, answer_fault
from capture.spec.payload import CONTENT_TYPE

__all__ = ["ATTEMPTS", "DEADLINE_S", "MAX_ANSWER", "AttemptResult", "attempt_once", "deliver"]
_SHOWN_LOCATION = 200  # characters of a redirect's Location kept in the attempt's cause
USER_AGENT = "ShotHook/0.1 (+screenshot-upload emulator)"


@dataclass(frozen=True)
class AttemptResult:
    attempt: int
    status: int | None  # None when no HTTP answer came back
    ms: float
    ok: bool
    error: str  # why it failed, in words ('' when ok)
    body_excerpt: str
    exchange: Exchange | None = None  # the request and answer whole (Authorization redacted)


def client_session() -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(force_close=True, limit=256)
    return aiohttp.ClientSession(
        connector=connector, headers={"User-Agent": USER_AGENT}, trace_configs=[trace_config()]
    )


async def attempt_once(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    attempt: int,
    deadline_s: float = DEADLINE_S,
    extra_headers: dict[str, str] | None = None,
) -> AttemptResult:
    headers = {"Content-Type": CONTENT_TYPE, **(extra_headers or {})}
    clock = Clock()
    started = clock.started
    status: int | None = None
    text = ""
    try:
        async with asyncio.timeout(deadline_s):
            async with session.post(
                url, data=body, headers=headers, allow_redirects=False, trace_request_ctx=clock
            ) as response:
                status = response.status
                clock.answered(response)
                answer = await _read_answer(response)
                clock.read(answer.raw, answer.complete)
        text = answer.raw.decode("utf-8", errors="replace")
        error = _judge(status, answer)
    except TimeoutError:
        error = f"no complete answer within {deadline_s:g} s"
    except aiohttp.ClientConnectorCertificateError as exc:
        error = f"TLS certificate rejected: {exc.certificate_error}"
    except (aiohttp.ClientSSLError, ssl.SSLError) as exc:
        error = f"TLS handshake failed: {exc}"
    except aiohttp.ClientConnectorError as exc:
        error = _connect_error(exc)
    except aiohttp.ServerDisconnectedError:
        error = "connection closed before an answer"
    except aiohttp.ClientPayloadError as exc:
        error = f"connection broken mid-answer: {exc}"
    except aiohttp.ClientOSError as exc:
        error = f"connection error: {exc.strerror or exc}"
    except aiohttp.ClientError as exc:
        error = f"HTTP error: {type(exc).__name__}: {exc}"
    ms = (time.perf_counter() - started) * 1000
    intended = tuple(
        (name.encode("utf-8"), value.encode("utf-8"))
        for name, value in {**session.headers, **headers}.items()
    )
    exchange = sent_exchange(clock, url, body, intended, total_ms=ms, error=error)
    return AttemptResult(attempt, status, ms, not error, error, text[:300], exchange)


@dataclass(frozen=True)
class _Answer:
    raw: bytes  # at most MAX_ANSWER bytes of the body
    complete: bool  # False: the body goes on beyond MAX_ANSWER and was not read further
    location: str  # a redirect's target, as text the journal can store ('' for none)


async def _read_answer(response: aiohttp.ClientResponse) -> _Answer:
    """What the judgement needs of an answer. A redirect's body is not read (its status
    decides); a body is read up to MAX_ANSWER, then left (leaving the `async with` closes
    the connection, which `client_session` never reuses)."""
    if 300 <= response.status < 400 and (location := response.headers.get("Location")):
        return _Answer(b"", True, _printable(location))
    if (response.content_length or 0) > MAX_ANSWER:
        return _Answer(b"", False, "")
    raw = bytearray()
    while len(raw) <= MAX_ANSWER:
        chunk = await response.content.read(MAX_ANSWER + 1 - len(raw))
        if not chunk:
            return _Answer(bytes(raw), True, "")
        raw += chunk
    return _Answer(bytes(raw[:MAX_ANSWER]), False, "")


def _printable(header: str) -> str:
    """A header value as text the journal can store: aiohttp decodes header bytes that are
    not UTF-8 to lone surrogates, which SQLite (and UTF-8 output) refuse."""
    return header.encode("utf-8", "backslashreplace").decode("utf-8")


def _shortened(text: str) -> str:
    return text if len(text) <= _SHOWN_LOCATION else text[:_SHOWN_LOCATION] + "..."


def _connect_error(exc: aiohttp.ClientConnectorError) -> str:
    where = f"{exc.host}:{exc.port}"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"cannot connect: the host name {exc.host} does not resolve"
    if isinstance(exc.os_error, ConnectionRefusedError):
        return f"cannot connect: connection refused by {where} (nothing listens there)"
    return f"cannot connect to {where}: {exc.os_error.strerror or exc.os_error}"


def _judge(status: int, answer: _Answer) -> str:
    if answer.location:
        return f"status {status}: redirected to {_shortened(answer.location)}, not followed"
    return answer_fault(status, answer.raw, complete=answer.complete)


async def deliver(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    on_attempt: Callable[[AttemptResult], Awaitable[None] | None] | None = None,
    *,
    attempts: int = ATTEMPTS,
    deadline_s: float = DEADLINE_S,
    extra_headers: dict[str, str] | None = None,
) -> list[AttemptResult]:
    """Send until one attempt succeeds or `attempts` have failed; returns every attempt."""
    results: list[AttemptResult] = []
    for number in range(1, attempts + 1):
        result = await attempt_once(session, url, body, number, deadline_s, extra_headers)
        results.append(result)
        if on_attempt is not None:
            maybe = on_attempt(result)
            if maybe is not None:
                await maybe
        if result.ok:
            break
    return results
