"""Delivering notifications: POST JSON, 5-second deadline, 3 attempts, the same requestId.

An attempt succeeds only when the answer arrives within 5 s, has status 200 and a JSON body.
Otherwise the sender retries at once, three attempts in all. Each attempt opens its own
connection, so one attempt's broken connection cannot spoil the next.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp

from capture.spec.payload import CONTENT_TYPE

ATTEMPTS = 3
DEADLINE_S = 5.0
USER_AGENT = "ShotHook/0.1 (+screenshot-upload emulator)"


@dataclass(frozen=True)
class AttemptResult:
    attempt: int
    status: int | None  # None when no HTTP answer came back
    ms: float
    ok: bool
    error: str  # why it failed, in words ('' when ok)
    body_excerpt: str


def client_session() -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(force_close=True, limit=256)
    return aiohttp.ClientSession(connector=connector, headers={"User-Agent": USER_AGENT})


async def attempt_once(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    attempt: int,
    deadline_s: float = DEADLINE_S,
    extra_headers: dict[str, str] | None = None,
) -> AttemptResult:
    headers = {"Content-Type": CONTENT_TYPE, **(extra_headers or {})}
    started = time.perf_counter()
    status: int | None = None
    text = ""
    try:
        async with asyncio.timeout(deadline_s):
            async with session.post(url, data=body, headers=headers) as response:
                status = response.status
                raw = await response.read()
        text = raw.decode("utf-8", errors="replace")
        error = _judge(status, raw)
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
    return AttemptResult(attempt, status, ms, not error, error, text[:300])


def _connect_error(exc: aiohttp.ClientConnectorError) -> str:
    where = f"{exc.host}:{exc.port}"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"cannot connect: the host name {exc.host} does not resolve"
    if isinstance(exc.os_error, ConnectionRefusedError):
        return f"cannot connect: connection refused by {where} (nothing listens there)"
    return f"cannot connect to {where}: {exc.os_error.strerror or exc.os_error}"


def _judge(status: int, raw: bytes) -> str:
    if status != 200:
        return f"status {status}, expected 200"
    try:
        json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "status 200 but the body is not JSON"
    return ""


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
