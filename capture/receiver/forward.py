"""--forward-to: what the embedded webhook receives on its callback path, sent on to another URL.

The request goes on with its method, body bytes and headers as they came (order and case kept),
except the hop-by-hop headers, which belong to one connection (Connection, Keep-Alive, Proxy-*,
TE, Trailer, Transfer-Encoding, Upgrade) and Host, which names the target instead. The answer
(status, headers, body, bounded at MAX_ANSWER like every answer ShotHook reads) or the error is
kept as a `Forwarded`, journaled beside the received request; with --relay-answer it is what
the sender gets (a forward that failed: 502). A forward is bounded by the spec's deadline (a
target slower than the sender would wait helps no one), never follows a redirect (a 3xx is
relayed as is), and runs on its own task: one stalled target holds up no other request (the
session's connector bounds how many run at once).
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass

import aiohttp
from multidict import CIMultiDict

from capture.journal.records import Headers
from capture.spec.delivery import DEADLINE_S, MAX_ANSWER

HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "host"}
)
CONCURRENT = 32  # forwards in flight at once; more wait for a connection
BAD_GATEWAY = 502
# Headers aiohttp would add when absent: a forward adds nothing the sender did not send.
_NO_AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")


@dataclass(frozen=True)
class Forwarded:
    """One forward's outcome: the target's answer (`status` None: none, `error` says why)."""

    target: str
    method: str
    request_headers: Headers
    status: int | None
    headers: Headers = ()
    body: bytes = b""
    size: int | None = None
    total_ms: float = 0.0
    error: str = ""

    @property
    def complete(self) -> bool:
        """An answer arrived whole (within MAX_ANSWER): one that can be relayed as it is."""
        return self.status is not None and self.size is not None and self.size <= MAX_ANSWER

    def summary(self) -> str:
        """One line for the detail pane and the event: the status and time, or the error."""
        if self.status is None:
            return self.error
        return f"answered {self.status} in {self.total_ms:.0f} ms"


def hop_by_hop(name: str) -> bool:
    lowered = name.lower()
    return lowered in HOP_BY_HOP or lowered.startswith("proxy-")


def end_to_end(headers: Headers) -> Headers:
    """`headers` without the hop-by-hop ones (and Host), the rest in order and case."""
    return tuple((n, v) for n, v in headers if not hop_by_hop(n.decode("latin-1")))


class Forwarder:
    """The aiohttp client session forwards go through (open on the webhook's loop)."""

    def __init__(self, target: str, *, deadline_s: float = DEADLINE_S) -> None:
        self.target = target
        self._deadline_s = deadline_s
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Forwarder:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=CONCURRENT),
            auto_decompress=False,  # the body relayed as the target sent it
            skip_auto_headers=_NO_AUTO_HEADERS,
        )
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def forward(self, method: str, headers: Headers, body: bytes) -> Forwarded:
        """Send one request on; never raises (a failure is the outcome's `error`)."""
        sent = end_to_end(headers)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._deadline_s):
                return await self._exchange(method, sent, body, started)
        except TimeoutError:
            error = f"forward timed out after {self._deadline_s:g} s"
        except aiohttp.ClientConnectorDNSError as exc:
            error = f"forward failed: the host name {exc.host} does not resolve"
        except aiohttp.ClientConnectorError as exc:
            error = _connect_error(exc.os_error)
        except (aiohttp.ClientError, OSError) as exc:
            error = f"forward failed: {exc or type(exc).__name__}"
        took = (time.perf_counter() - started) * 1000
        return Forwarded(self.target, method, sent, None, total_ms=took, error=error)

    async def _exchange(self, method: str, sent: Headers, body: bytes, started: float) -> Forwarded:
        assert self._session is not None, "forward() outside `async with`"
        out = CIMultiDict((n.decode("latin-1"), v.decode("latin-1")) for n, v in sent)
        async with self._session.request(
            method, self.target, data=body, headers=out, allow_redirects=False
        ) as answer:
            got = await answer.content.read(MAX_ANSWER + 1)
            size = len(got)
            if size > MAX_ANSWER:
                size += len(await answer.content.read())  # its true length, for the record
            return Forwarded(
                self.target,
                method,
                sent,
                answer.status,
                tuple(answer.raw_headers),
                got[:MAX_ANSWER],
                size,
                (time.perf_counter() - started) * 1000,
            )


def _connect_error(error: OSError) -> str:
    """A connection that failed, in words ("forward refused: connection refused")."""
    if isinstance(error, ConnectionRefusedError):
        return "forward refused: connection refused"
    reason = os.strerror(error.errno) if error.errno else str(error)
    return f"forward failed: cannot connect: {reason}"
