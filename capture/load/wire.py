"""A lean HTTP/1.1 client for the load generator: keep-alive connections that send a request
already rendered as bytes and read the answer with a small incremental parser.

aiohttp's ClientSession spends about 300 µs of Python per request (cookies, redirects, tracing,
header objects), which capped `--load` at a quarter of what `wrk` gets from the same server
(benchmarks/loadtest.py). A load test needs none of that: one POST shape, sent again and again.
Here a request is one `transport.write`, and an answer is parsed only as far as the delivery
rule needs: the status, and the body (bounded by MAX_ANSWER) to see that it is JSON.

Answers are read as HTTP/1.1 allows them: with a Content-Length, chunked, or until the server
closes (HTTP/1.0, or no length given); 1xx interim answers are skipped; a 204 or 304 has no
body. Redirects are not followed (the real service does not follow them: a 3xx is a failed
delivery). `Connection: close` (or HTTP/1.0 without keep-alive) retires the connection after
its answer, and the pool opens another when one is needed.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlsplit

from capture.spec.delivery import MAX_ANSWER

__all__ = ["Answer", "AnswerError", "AnswerReader", "Pool", "Target", "render_post"]

MAX_HEAD = 64 * 1024  # bytes of status line and headers; a longer head is not HTTP we read


class AnswerError(Exception):
    """The server's bytes are not an HTTP answer we can read, or it closed mid-answer."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes  # the first MAX_ANSWER bytes
    complete: bool  # False: the body went on past MAX_ANSWER


@dataclass(frozen=True)
class Target:
    """Where the requests go, parsed once."""

    host: str
    port: int
    path: str  # with its query
    tls: bool

    @classmethod
    def parse(cls, url: str) -> Target:
        parts = urlsplit(url)
        tls = parts.scheme == "https"
        host = parts.hostname or ""
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return cls(host, parts.port or (443 if tls else 80), path, tls)

    @property
    def host_header(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.tls else 80
        return shown if self.port == default else f"{shown}:{self.port}"


def render_post(target: Target, body: bytes, content_type: str) -> bytes:
    """The whole request as it goes on the wire."""
    head = (
        f"POST {target.path} HTTP/1.1\r\nHost: {target.host_header}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        "User-Agent: ShotHook-load\r\nAccept: */*\r\n\r\n"
    )
    return head.encode("latin-1") + body


class AnswerReader:
    """The incremental parser of one answer: feed it bytes, ask whether it is done."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.status = 0
        self.body = bytearray()
        self.size = 0  # body bytes seen, kept or not
        self.keep_alive = True
        self._mode = ""  # "" (head), "length", "chunked", "close", "done"
        self._left = 0  # bytes left of the body (length) or of the chunk (chunked)
        self._chunk_state = "size"  # size | data | crlf | trailer

    @property
    def done(self) -> bool:
        return self._mode == "done"

    def feed(self, data: bytes) -> None:
        self.buffer += data
        while not self.done and self._step():
            pass

    def close(self) -> None:
        """The server closed: an answer read to its close ends here; any other is cut."""
        if self._mode == "close":
            self._mode = "done"
            return
        if not self.done:
            raise AnswerError("the server closed the connection in the middle of its answer")

    def _step(self) -> bool:
        """Parse what the buffer holds; True when it made progress and may make more."""
        if self._mode == "":
            return self._head()
        if self._mode == "length":
            return self._take_length()
        if self._mode == "chunked":
            return self._chunk()
        # until close: everything is body
        self._keep(bytes(self.buffer))
        self.buffer.clear()
        return False

    def _head(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD:
                raise AnswerError(f"the answer's head is longer than {MAX_HEAD // 1024} KiB")
            return False
        lines = bytes(self.buffer[:end]).split(b"\r\n")
        del self.buffer[: end + 4]
        version, status = _status_line(lines[0])
        headers = _headers(lines[1:])
        if 100 <= status < 200:
            return True  # an interim answer (100 Continue, 103 Early Hints): the real one follows
        self.status = status
        connection = headers.get(b"connection", b"").lower()
        self.keep_alive = b"close" not in connection and (
            version != b"HTTP/1.0" or b"keep-alive" in connection
        )
        self._mode = self._body_mode(status, headers)
        return True

    def _body_mode(self, status: int, headers: dict[bytes, bytes]) -> str:
        if status in (204, 304):
            return "done"
        if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            return "chunked"
        length = headers.get(b"content-length")
        if length is not None:
            try:
                self._left = int(length)
            except ValueError:
                raise AnswerError(f"Content-Length {length!r} is not a number") from None
            if self._left < 0:
                raise AnswerError(f"Content-Length {self._left} is negative")
            return "length" if self._left else "done"
        self.keep_alive = False  # the body ends when the server closes
        return "close"

    def _take_length(self) -> bool:
        take = min(self._left, len(self.buffer))
        self._keep(bytes(self.buffer[:take]))
        del self.buffer[:take]
        self._left -= take
        if self._left == 0:
            self._mode = "done"
        return False

    def _chunk(self) -> bool:
        state = self._chunk_state
        if state == "size":
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return False
            size_text = bytes(self.buffer[:end]).split(b";", 1)[0].strip()
            del self.buffer[: end + 2]
            try:
                self._left = int(size_text, 16)
            except ValueError:
                raise AnswerError(f"chunk size {size_text!r} is not hexadecimal") from None
            self._chunk_state = "data" if self._left else "trailer"
            return True
        if state == "data":
            take = min(self._left, len(self.buffer))
            self._keep(bytes(self.buffer[:take]))
            del self.buffer[:take]
            self._left -= take
            if self._left:
                return False
            self._chunk_state = "crlf"
            return True
        if state == "crlf":
            if len(self.buffer) < 2:
                return False
            if self.buffer[:2] != b"\r\n":
                raise AnswerError("a chunk does not end with CRLF")
            del self.buffer[:2]
            self._chunk_state = "size"
            return True
        end = self.buffer.find(b"\r\n")  # trailer lines, ended by an empty one
        if end < 0:
            return False
        del self.buffer[: end + 2]
        if end == 0:
            self._mode = "done"
        return True

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        room = MAX_ANSWER - len(self.body)
        if room > 0:
            self.body += data[:room]


def _status_line(line: bytes) -> tuple[bytes, int]:
    parts = line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise AnswerError(f"not an HTTP/1.x status line: {line[:80]!r}")
    return parts[0], int(parts[1])


def _headers(lines: list[bytes]) -> dict[bytes, bytes]:
    """The headers the parser needs, by lower-case name (the last of a repeated one wins)."""
    found: dict[bytes, bytes] = {}
    for line in lines:
        name, sep, value = line.partition(b":")
        if not sep:
            raise AnswerError(f"a header line without a colon: {line[:80]!r}")
        found[name.strip().lower()] = value.strip()
    return found


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._reader: AnswerReader | None = None
        self._answer: asyncio.Future[AnswerReader] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        reader, answer = self._reader, self._answer
        if reader is None or answer is None or answer.done():
            self.closed = True  # bytes nobody asked for: this connection is not ours to reuse
            if self.transport is not None:
                self.transport.close()
            return
        try:
            reader.feed(data)
        except AnswerError as exc:
            answer.set_exception(exc)
            return
        if reader.done:
            answer.set_result(reader)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        reader, answer = self._reader, self._answer
        if reader is None or answer is None or answer.done():
            return
        try:
            reader.close()
        except AnswerError as error:
            answer.set_exception(error)
            return
        answer.set_result(reader)

    def request(self, data: bytes) -> asyncio.Future[AnswerReader]:
        assert self.transport is not None
        self._reader = AnswerReader()
        self._answer = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self._answer

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class Pool:
    """At most `size` keep-alive connections to `target`; a request waits for a free one."""

    def __init__(self, target: Target, size: int, ssl_context: ssl.SSLContext | None) -> None:
        self.target = target
        self._size = size
        self._ssl = ssl_context if target.tls else None
        self._idle: deque[_Connection] = deque()
        self._open = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._all: set[_Connection] = set()

    async def post(self, request: bytes) -> Answer:
        """Send `request` (rendered by `render_post`) and read its answer."""
        connection = await self._acquire()
        try:
            reader = await connection.request(request)
        except BaseException:
            connection.close()  # an answer half read (or cancelled) leaves it unusable
            self._release(connection)
            raise
        if not reader.keep_alive:
            connection.close()
        self._release(connection)
        return Answer(reader.status, bytes(reader.body), reader.size <= MAX_ANSWER)

    async def _acquire(self) -> _Connection:
        while True:
            while self._idle:
                connection = self._idle.popleft()
                if not connection.closed:
                    return connection
                self._forget(connection)
            if self._open < self._size:
                return await self._connect()
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter

    async def _connect(self) -> _Connection:
        self._open += 1
        loop = asyncio.get_running_loop()
        try:
            _, connection = await loop.create_connection(
                _Connection,
                self.target.host,
                self.target.port,
                ssl=self._ssl,
                server_hostname=self.target.host if self._ssl else None,
            )
        except BaseException:
            self._open -= 1
            self._wake()
            raise
        self._all.add(connection)
        return connection

    def _release(self, connection: _Connection) -> None:
        if connection.closed:
            self._forget(connection)
        else:
            self._idle.append(connection)
        self._wake()

    def _forget(self, connection: _Connection) -> None:
        if connection in self._all:
            self._all.discard(connection)
            self._open -= 1

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def close(self) -> None:
        for connection in list(self._all):
            connection.close()
        self._all.clear()
        self._idle.clear()
        self._open = 0
