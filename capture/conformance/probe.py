"""One notification sent and everything about its exchange kept: the request as sent, the answer
as received (bounded), how long it took and what the delivery rule makes of it.

Each request opens its own connection (as the real service's attempts do), never follows a
redirect, and reads at most MAX_ANSWER bytes of an answer, so a hostile webhook cannot stall
the suite past its deadline or fill its memory.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from capture.spec.delivery import DEADLINE_S, MAX_ANSWER, answer_fault
from capture.spec.payload import CONTENT_TYPE

USER_AGENT = "ShotHook-conformance/0.1"
HEADERS = {"Content-Type": CONTENT_TYPE}
GIVE_UP_S = DEADLINE_S + 1.0  # an answer later is not waited for: it missed the deadline


@dataclass(frozen=True)
class Exchange:
    """One request and its answer. `status` is None when no HTTP answer came (`error` says
    why); `answer_bytes` is the answer's true length when it was longer than what was kept."""

    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes
    started: float  # time.time() when sent
    seconds: float
    status: int | None = None
    answer_headers: tuple[tuple[str, str], ...] = ()
    answer_body: bytes = b""
    answer_complete: bool = True
    error: str = ""

    @property
    def content_type(self) -> str:
        return next((v for k, v in self.answer_headers if k.lower() == "content-type"), "")

    @property
    def fault(self) -> str:
        """'' when this exchange is a delivery by the real service's rule, else why not."""
        if self.status is None:
            return self.error
        if self.seconds > DEADLINE_S:
            return f"answered after {self.seconds:.1f} s, past the {DEADLINE_S:g} s deadline"
        if 300 <= self.status < 400:
            return f"status {self.status}: a redirect, which the real service does not follow"
        return answer_fault(self.status, self.answer_body, complete=self.answer_complete)

    @property
    def delivered(self) -> bool:
        return not self.fault

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "started": self.started,
            "seconds": round(self.seconds, 6),
            "request": {
                "headers": [list(pair) for pair in self.request_headers],
                "body": self.request_body.decode("utf-8", "replace"),
            },
            "answer": {
                "status": self.status,
                "headers": [list(pair) for pair in self.answer_headers],
                "body": self.answer_body.decode("utf-8", "replace"),
                "complete": self.answer_complete,
            },
            "error": self.error,
            "fault": self.fault,
        }


class Probe:
    """Sends notifications to one URL. Use as an async context manager."""

    def __init__(self, url: str, *, tls: ssl.SSLContext | None = None) -> None:
        self.url = url
        self.tls = tls
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Probe:
        connector = aiohttp.TCPConnector(force_close=True, limit=0, ssl=self.tls or True)
        self._session = aiohttp.ClientSession(
            connector=connector, headers={"User-Agent": USER_AGENT}
        )
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, body: bytes) -> Exchange:
        assert self._session is not None, "use Probe as `async with`"
        started_wall, started = time.time(), time.perf_counter()
        sent = tuple({**self._session.headers, **HEADERS}.items())
        try:
            async with asyncio.timeout(GIVE_UP_S):
                async with self._session.post(
                    self.url, data=body, headers=HEADERS, allow_redirects=False
                ) as answer:
                    raw, complete = await _bounded(answer)
                    return Exchange(
                        url=self.url,
                        request_headers=sent,
                        request_body=body,
                        started=started_wall,
                        seconds=time.perf_counter() - started,
                        status=answer.status,
                        answer_headers=tuple(answer.headers.items()),
                        answer_body=raw,
                        answer_complete=complete,
                    )
        except TimeoutError:
            error = f"no answer within {GIVE_UP_S:g} s"
        except aiohttp.ClientConnectorCertificateError as exc:
            error = f"TLS certificate rejected: {exc.certificate_error}"
        except (aiohttp.ClientSSLError, ssl.SSLError) as exc:
            error = f"TLS handshake failed: {exc}"
        except aiohttp.ClientConnectorError as exc:
            error = f"cannot connect to {exc.host}:{exc.port}: {exc.os_error.strerror or exc}"
        except aiohttp.ServerDisconnectedError:
            error = "connection closed before an answer"
        except aiohttp.ClientError as exc:
            error = f"HTTP error: {type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - started
        return Exchange(self.url, sent, body, started_wall, seconds, error=error)


async def _bounded(answer: aiohttp.ClientResponse) -> tuple[bytes, bool]:
    raw = bytearray()
    while len(raw) <= MAX_ANSWER:
        chunk = await answer.content.read(MAX_ANSWER + 1 - len(raw))
        if not chunk:
            return bytes(raw), True
        raw += chunk
    return bytes(raw[:MAX_ANSWER]), False
