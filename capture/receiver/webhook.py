"""The embedded webhook: receives notifications, checks and verifies them, journals them.

`POST /callback` answers 200 with a JSON body when the notification is well-formed. Malformed
JSON or wrong fields get 400 naming the problem, a body over 64 KiB gets 413, other methods 405;
every error body is JSON and the server keeps serving. Slow clients are cut off: a connection
must deliver its request headers, and then its body, within `client_timeout_s` each (408 for a
body that trickles in). A tester can choose other answers (a status code, a delay, a non-JSON
body, a dropped connection, 401 on a bad checksum) to watch the sender's retries. Each body
read gets one `Decision` (its checks, its checksum verdict, its `Answer`), from which both the
journal row and the answer sent are made, so the journal says what was answered (only a delayed
answer that the server's stop cuts short is dropped instead).

It listens on 127.0.0.1 unless told otherwise (any other address gets a warning: other machines
can reach it); if the port is taken it tries the next ones and says which it got. It binds
with address reuse (SO_REUSEADDR), so a quick restart gets its port back from the connections
the last run left in TIME_WAIT; a port another process listens on is still refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import NoReturn

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import CIMultiDict

from capture.errors import report_loop_error, report_unexpected
from capture.events import (
    CallbackForwarded,
    CallbackReceived,
    CallbackRejected,
    EventSink,
    WarningIssued,
    WebhookListening,
    discard,
    utc_now,
)
from capture.journal.records import Direction, Exchange, Headers, Timing
from capture.journal.writer import CallbackRecord, IncomingCallback, Journal
from capture.receiver.answers import (
    ANSWERING,
    DROPPED,
    SENDER_GONE,
    Answer,
    Answerer,
    AnswerMode,
    error_body,
)
from capture.receiver.forward import BAD_GATEWAY, Forwarded, Forwarder, hop_by_hop
from capture.receiver.groupcommit import GroupCommit
from capture.runtime import StopToken
from capture.settings.model import is_loopback
from capture.settings.rules import is_loop
from capture.spec.naming import iso
from capture.spec.payload import PayloadError, Received, loose_fields, parse_body

MAX_BODY = 64 * 1024
CLIENT_TIMEOUT_S = 10.0  # for the request headers, then again for the body
_WILDCARD_HOSTS = {"0.0.0.0": "127.0.0.1", "::": "::1"}
PORT_TRIES = 20
CALLBACK_PATH = "/callback"
SHUTDOWN_GRACE_S = 1.0  # on stop, answers still in progress (a tester's delay) get this long
DRAIN_LIMIT = 16 * 1024 * 1024  # bytes of a refused body read on to learn its true length


@dataclass(frozen=True)
class Verdict:
    checksum_ok: bool
    text: str


@dataclass(frozen=True)
class Accepted:
    """A well-formed notification: what the webhook found, and how it answers."""

    received: Received
    verdict: Verdict
    answer: Answer


@dataclass(frozen=True)
class Rejected:
    """A body that failed the checks: the problem, the field it lies in, the answer."""

    problem: str
    field: str
    answer: Answer


Decision = Accepted | Rejected


class _Seen:
    """What the handling of one request learnt, for its exchange's journal row: the body's
    first MAX_BODY bytes and true length, and the callbacks row (and ids) it became."""

    __slots__ = ("body", "callback", "object_key", "read", "request_id", "size")

    def __init__(self) -> None:
        self.body = b""
        self.size = 0
        self.read = False  # the body has been read (whole, or up to where it was refused)
        self.callback: CallbackRecord | None = None
        self.request_id: str | None = None
        self.object_key: str | None = None


class WebhookServer:
    """Runnable. After `ready` is set, `url` is the local callback URL it listens on."""

    def __init__(
        self,
        journal: Journal,
        sink: EventSink = discard,
        *,
        host: str = "127.0.0.1",
        port: int = 8787,
        public_url: str = "",
        mode: AnswerMode | None = None,
        client_timeout_s: float = CLIENT_TIMEOUT_S,
        forward_to: str = "",
        relay_answer: bool = False,
    ) -> None:
        self._journal = journal
        self._sink = sink
        self.host = host
        self.requested_port = port
        self.port = 0
        self.ready = threading.Event()
        self.error = ""
        self._lock = threading.Lock()
        self._public_url = public_url
        self._addresses = self._candidates("")
        self._answers = Answerer(mode)
        self._client_timeout_s = client_timeout_s
        self._writer = GroupCommit(journal, lambda text: self._sink(WarningIssued(message=text)))
        self._stopping: asyncio.Event | None = None  # set on stop: delayed answers end at once
        self.forward_to = forward_to
        self.relay_answer = relay_answer
        self._forwarder: Forwarder | None = None  # open while serving, with a forward target
        self._forwards: set[asyncio.Task[None]] = set()  # forwards whose answer nobody awaits

    # -- settings changeable while running (from any thread) -------------------------------

    @property
    def url(self) -> str:
        """The callback URL on this machine (loopback when listening on every address)."""
        host = _WILDCARD_HOSTS.get(self.host, self.host)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}{CALLBACK_PATH}"

    @property
    def mode(self) -> AnswerMode:
        return self._answers.mode

    def set_mode(self, mode: AnswerMode) -> None:
        self._answers.set_mode(mode)

    def set_public_url(self, url: str) -> None:
        with self._lock:
            self._public_url = url
            self._addresses = self._candidates("")

    def callback_addresses(self, request_url: str = "") -> tuple[str, ...]:
        """The callbackAddr values a checksum may have been computed with (without a request's
        own URL, the list made when the port or the public URL last changed: every callback
        is checked against it)."""
        with self._lock:
            return self._candidates(request_url) if request_url else self._addresses

    def _candidates(self, request_url: str) -> tuple[str, ...]:
        local = [self.url, f"http://localhost:{self.port}{CALLBACK_PATH}"]
        seen: list[str] = []
        for candidate in [self._public_url, request_url, *local]:
            if candidate and candidate not in seen:
                seen.append(candidate)
        return tuple(seen)

    # -- running ----------------------------------------------------------------------------

    def run(self, stop: StopToken) -> None:
        asyncio.run(self._serve(stop))

    async def _serve(self, stop: StopToken) -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(report_loop_error)
        stopped = stop.asyncio_event()
        self._stopping = asyncio.Event()
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", CALLBACK_PATH, self._recorded(self._callback))
        app.router.add_route("*", "/", self._recorded(self._status))
        app.router.add_route("*", "/{path:.*}", self._recorded(_no_such_path))
        # keepalive_timeout also bounds how long a new connection may take to send its headers.
        runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            keepalive_timeout=self._client_timeout_s,
            lingering_time=1.0,
            shutdown_timeout=SHUTDOWN_GRACE_S,
            logger=self._protocol_logger(),
        )
        await runner.setup()
        forwarding = contextlib.AsyncExitStack()
        try:
            if await self._bind(runner):
                await forwarding.enter_async_context(self._forwarding())
                await stopped.wait()
        finally:
            self._stopping.set()  # a tester's delayed answers end before the runner shuts down
            await runner.cleanup()
            await forwarding.aclose()  # after the answers (a relay awaits its forward)
            await self._writer.close()
            self.ready.set()

    async def _bind(self, runner: web.AppRunner) -> bool:
        ports = (
            [0]
            if self.requested_port == 0
            else range(self.requested_port, min(self.requested_port + PORT_TRIES, 65536))
        )
        last_error = ""
        for port in ports:
            site = web.TCPSite(runner, self.host, port, reuse_address=True)
            try:
                await site.start()
            except OSError as exc:
                last_error = exc.strerror or str(exc)
                if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                    continue
                break
            server = site._server
            sockets = getattr(server, "sockets", None) or []
            self.port = sockets[0].getsockname()[1] if sockets else port
            with self._lock:
                self._addresses = self._candidates("")
            self._announce()
            self.ready.set()
            return True
        self.error = (
            f"webhook cannot listen on {self.host} port {self.requested_port}"
            f" (or the {PORT_TRIES - 1} after it): {last_error}"
        )
        self._sink(WarningIssued(message=self.error))
        return False

    def _announce(self) -> None:
        note = ""
        if self.requested_port and self.port != self.requested_port:
            note = f"port {self.requested_port} was taken; listening on {self.port}"
        exposed = ""
        if not is_loopback(self.host):
            exposed = (
                f"listening on {self.host}, not 127.0.0.1: other machines can reach this webhook"
            )
            note = f"{note}; {exposed}" if note else exposed
        taken = self.requested_port if note.startswith("port ") else None
        self._sink(
            WebhookListening(
                url=self.url, host=self.host, port=self.port, note=note, port_taken=taken
            )
        )
        if exposed:
            self._sink(WarningIssued(message=exposed))

    @contextlib.asynccontextmanager
    async def _forwarding(self) -> AsyncIterator[None]:
        """The forwarder open while serving, if a target is set and it is not this webhook
        (its port may differ from the one the settings' loop check knew: a warning then)."""
        if not self.forward_to:
            yield
            return
        if is_loop(self.forward_to, self.callback_addresses()):
            self._sink(
                WarningIssued(
                    message=f"--forward-to {self.forward_to} is this webhook's own URL:"
                    " not forwarding (it would forward to itself forever)"
                )
            )
            yield
            return
        async with Forwarder(self.forward_to) as forwarder:
            self._forwarder = forwarder
            try:
                yield
            finally:
                self._forwarder = None
                for task in list(self._forwards):
                    task.cancel()
                await asyncio.gather(*self._forwards, return_exceptions=True)

    def _protocol_logger(self) -> logging.Logger:
        """aiohttp logs requests it rejects before our handler runs (malformed HTTP); those
        become rejections like any other, instead of tracebacks in the log."""
        logger = logging.Logger("capture.receiver.webhook.http")  # not registered: one per server
        logger.addHandler(_ProtocolErrors(self))
        return logger

    # -- handlers ---------------------------------------------------------------------------

    async def _status(self, request: web.Request, _seen: _Seen) -> web.Response:
        if request.method not in ("GET", "HEAD"):
            raise web.HTTPMethodNotAllowed(request.method, ["GET", "HEAD"])
        return web.json_response(
            {"service": "ShotHook webhook", "callback": self.url, "answer": self.mode.describe()}
        )

    async def _callback(self, request: web.Request, seen: _Seen) -> web.StreamResponse:
        if request.method != "POST":
            raise web.HTTPMethodNotAllowed(request.method, ["POST"])
        if (request.content_length or 0) > MAX_BODY:
            raise web.HTTPRequestEntityTooLarge(MAX_BODY, request.content_length or 0)
        raw = await _read_body(request, seen, self._client_timeout_s)
        remote = request.remote or ""
        decision = self._decide(raw, request)
        forwarder, relayed = self._forwarder, None
        if forwarder is not None and self.relay_answer:
            relayed = await forwarder.forward(request.method, tuple(request.raw_headers), raw)
            decision = _relaying(decision, relayed)
        # What is journaled and what is sent both come from `decision`: they cannot disagree.
        if isinstance(decision, Rejected):
            status, problem = decision.answer.status, decision.problem
            if relayed is not None:  # the webhook's own check failed; the target answered
                problem = f"{problem} (the forward target's answer relayed)"
            self.record_rejected(remote, raw, status, problem, decision.field, seen=seen)
        else:
            await self._record_received(remote, raw, decision, seen)
        if relayed is not None:
            self._record_forward(relayed, raw, seen)
            return _relayed_response(relayed)
        if forwarder is not None:
            self._forward_later(forwarder, request, raw, seen)
        if isinstance(decision, Accepted) and decision.answer.delay_s is not None:
            assert seen.callback is not None
            return await self._send_delayed(request, decision.answer, seen.callback.id)
        return await self._send(request, decision.answer)

    # -- forwarding (--forward-to) ------------------------------------------------------------

    def _forward_later(
        self, forwarder: Forwarder, request: web.Request, raw: bytes, seen: _Seen
    ) -> None:
        """Forward on a task of its own: the sender's answer (the webhook's own) never waits."""

        async def forward() -> None:
            forwarded = await forwarder.forward(request.method, headers, raw)
            self._record_forward(forwarded, raw, seen)

        headers = tuple(request.raw_headers)
        task = asyncio.get_running_loop().create_task(forward())
        self._forwards.add(task)
        task.add_done_callback(self._forwards.discard)

    def _record_forward(self, forwarded: Forwarded, raw: bytes, seen: _Seen) -> None:
        """The forward as an exchange beside the received request's, and its event."""
        relayed = self.relay_answer
        try:
            self._writer.later(_forward_exchange(forwarded, raw, seen, relayed))
        except Exception as exc:
            report_unexpected(f"recording the forward to {forwarded.target}", exc)
        self._sink(
            CallbackForwarded(
                target=forwarded.target,
                method=forwarded.method,
                status=forwarded.status,
                ms=round(forwarded.total_ms, 1),
                error=forwarded.error,
                relayed=relayed,
                requestId=seen.request_id,
            )
        )

    # -- every exchange recorded --------------------------------------------------------------

    def _recorded(self, handler: SeenHandler) -> Handler:
        """`handler` with every request it gets, whatever its method and whether refused or
        not, made an exchange in the journal (its headers and body as sent, the answer given,
        the time); a refusal aiohttp raises (404, 405, 413, 408) becomes a callbacks row and an
        event too. The exchange is written after the answer, off its path (GroupCommit.later).
        Wrapped once per route, not as a middleware: aiohttp then runs none per request."""

        async def recorded(request: web.Request) -> web.StreamResponse:
            started, at, seen = time.perf_counter(), iso(utc_now()), _Seen()
            try:
                response = await handler(request, seen)
            except web.HTTPException as exc:
                if exc.status < 400:
                    raise
                response = await self._refused(request, seen, exc)
            except asyncio.CancelledError:  # dropped (the tester's answer mode) or stopping
                self._keep(request, seen, at, started, None, "connection closed without an answer")
                raise
            except (ConnectionError, web.RequestPayloadError) as exc:
                self._keep(request, seen, at, started, None, f"the client broke off: {exc}")
                raise  # the client went away or broke its body: aiohttp closes the connection
            except Exception as exc:
                report_unexpected(f"webhook handling {request.method} {request.path}", exc)
                response = _error(500, f"internal error: {type(exc).__name__}")
            try:
                await response.prepare(request)  # its headers final, as they are sent
            except ConnectionError as exc:
                self._keep(request, seen, at, started, response, f"the client went away: {exc}")
                raise
            self._keep(request, seen, at, started, response, "")
            return response

        return recorded

    async def _refused(
        self, request: web.Request, seen: _Seen, exc: web.HTTPException
    ) -> web.Response:
        """A request aiohttp or a check refused before any decision about its body: its body
        read for the record (bounded), a callbacks row and a `callback_rejected` event, and
        the JSON error answer."""
        if not seen.read:
            await _read_for_record(request, seen, self._client_timeout_s)
        size = max(seen.size, request.content_length or 0)
        problem = _refusal(request, exc, size)
        if seen.callback is None:
            self.record_rejected(
                request.remote or "",
                seen.body,
                exc.status,
                problem,
                seen=seen,
                method=request.method,
                path=request.path,
                size=size,
            )
        return _error_answer(exc)

    def _keep(
        self,
        request: web.Request,
        seen: _Seen,
        at: str,
        started: float,
        response: web.StreamResponse | None,
        error: str,
    ) -> None:
        """Queue the request's exchange for the journal (never raises into the answer)."""
        try:
            took = Timing(total_ms=(time.perf_counter() - started) * 1000)
            self._writer.later(_exchange(request, seen, at, took, response, error))
        except Exception as exc:
            report_unexpected(f"recording {request.method} {request.path}", exc)

    def _decide(self, raw: bytes, request: web.Request) -> Decision:
        """The one place where the webhook decides about a notification: its checks, its
        checksum verdict, and the answer (in the tester-chosen mode)."""
        try:
            received = parse_body(raw)
        except PayloadError as exc:
            answer = Answer(400, error_body(exc.message, exc.field))
            return Rejected(exc.message, exc.field, answer)
        verdict = self._verify(received, request)
        answer = self._answers.answer(verdict.checksum_ok, verdict.text, received.request_id)
        return Accepted(received, verdict, answer)

    async def _record_received(
        self, remote: str, raw: bytes, decision: Accepted, seen: _Seen
    ) -> int:
        """Journal the callback (a delayed answer as ANSWERING until it is sent); its id."""
        received, verdict, answered = decision.received, decision.verdict, decision.answer.status
        delayed = decision.answer.delay_s is not None
        seen.request_id, seen.object_key = received.request_id, received.object_key
        record = seen.callback = await self._writer.add(
            IncomingCallback(
                remote=remote,
                request_id=received.request_id,
                object_key=received.object_key,
                answered=ANSWERING if delayed else answered,
                checksum_ok=verdict.checksum_ok,
                verdict=verdict.text,
                code=received.code,
                raw_body=raw,
            )
        )
        self._sink(
            CallbackReceived(
                object=received.object_key,
                requestId=received.request_id,
                code=received.code,
                checksum_ok=verdict.checksum_ok,
                verdict=verdict.text,
                delivery=record.delivery,
                retry=record.delivery > 1,
                shot_id=record.shot_id,
                answered=answered,
            )
        )
        return record.id

    def _verify(self, received: Received, request: web.Request) -> Verdict:
        # The configured addresses first: building the request's own URL costs more, and it
        # is needed only when the sender used an address this webhook was not told about.
        candidates = self.callback_addresses()
        address = _matching(received, candidates)
        if address is None:
            candidates = self.callback_addresses(_request_url(request))
            address = _matching(received, candidates)
        if address is not None:
            return Verdict(True, f"checksum verified with callbackAddr {address}")
        tried = ", ".join(candidates)
        return Verdict(
            False,
            "checksum does not match md5(callbackAddr + code + object + requestId)"
            f" for callbackAddr in: {tried}",
        )

    async def _send(self, request: web.Request, answer: Answer) -> web.StreamResponse:
        if answer.status == DROPPED:
            _drop(request)
        return _response(answer)

    async def _send_delayed(
        self, request: web.Request, answer: Answer, callback_id: int
    ) -> web.StreamResponse:
        """Wait, then journal what is answered and send it: until then the row says
        ANSWERING (the sender may give up first: SENDER_GONE; a stop drops it)."""
        if await self._stopping_within(answer.delay_s or 0.0):
            self._journal.callback_answered(callback_id, DROPPED)
            _drop(request)  # stopping: end the wait the way "drop" does
        transport = request.transport
        if transport is None or transport.is_closing():
            self._journal.callback_answered(callback_id, SENDER_GONE)
            _drop(request)
        # Journaled as it is sent (a reader told of it sooner could see ANSWERING after the
        # sender has its answer), and set right should the sending fail.
        self._journal.callback_answered(callback_id, answer.status)
        response = _response(answer)
        try:
            await response.prepare(request)
            await response.write_eof()
        except ConnectionError:
            self._journal.callback_answered(callback_id, SENDER_GONE)
            raise
        return response

    async def _stopping_within(self, seconds: float) -> bool:
        """Wait `seconds`; True if the server began to stop first."""
        if self._stopping is None:
            await asyncio.sleep(seconds)
            return False
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            return False
        return True

    def record_rejected(
        self,
        remote: str,
        raw: bytes,
        status: int,
        problem: str,
        field: str = "",
        *,
        seen: _Seen | None = None,
        method: str | None = None,
        path: str | None = None,
        size: int | None = None,
    ) -> CallbackRecord:
        """A refused request as a callbacks row (a timeline row under its own status, or its
        shot's when its body names one) and a `callback_rejected` event."""
        guess = loose_fields(raw)
        record = self._journal.add_callback(
            remote=remote,
            request_id=guess.get("requestId"),
            object_key=guess.get("object"),
            answered=status,
            checksum_ok=None,
            verdict=f"rejected ({status}): {problem}",
            code=None,
            raw_body=raw,
        )
        if seen is not None:
            seen.callback = record
            seen.request_id, seen.object_key = guess.get("requestId"), guess.get("object")
        self._sink(
            CallbackRejected(
                status=status,
                problem=problem,
                field=field,
                bytes=len(raw) if size is None else size,
                method=method,
                path=path,
            )
        )
        return record


class _ProtocolErrors(logging.Handler):
    """Receives aiohttp's server log: malformed requests are rejections; anything else is
    unexpected and reported."""

    def __init__(self, server: WebhookServer) -> None:
        super().__init__(logging.DEBUG)
        self._server = server

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            remote = str(record.args[0]) if isinstance(record.args, tuple) and record.args else ""
            first_line = exc.message.strip().splitlines()[0].rstrip(":")
            problem = f"malformed HTTP request: {first_line}"
            self._server.record_rejected(remote, b"", exc.code, problem)
        elif isinstance(exc, BaseException) and not isinstance(exc, ConnectionError):
            report_unexpected("webhook (HTTP layer)", exc)
        elif record.levelno >= logging.ERROR:
            report_unexpected("webhook (HTTP layer)", RuntimeError(record.getMessage()))


def _relaying(decision: Decision, forwarded: Forwarded) -> Decision:
    """`decision` with the status the sender gets from the forward target (--relay-answer),
    so the callbacks row says what was answered; its checks and verdict stay the webhook's."""
    status = forwarded.status if forwarded.complete and forwarded.status else BAD_GATEWAY
    answer = Answer(status, b"")
    if isinstance(decision, Accepted):
        return Accepted(decision.received, decision.verdict, answer)
    return Rejected(decision.problem, decision.field, answer)


def _relayed_response(forwarded: Forwarded) -> web.Response:
    """The target's answer as the sender gets it: its status, its headers (hop-by-hop and the
    framing ones excepted: aiohttp frames the body anew) and its body; 502 for a failure."""
    if not forwarded.complete or forwarded.status is None:
        reason = forwarded.error or "the forward target's answer is larger than 64 KiB"
        return _error(BAD_GATEWAY, reason)
    headers: CIMultiDict[str] = CIMultiDict()
    for name, value in forwarded.headers:
        key = name.decode("latin-1")
        if not hop_by_hop(key) and key.lower() != "content-length":
            headers.add(key, value.decode("latin-1"))
    return web.Response(body=forwarded.body, status=forwarded.status, headers=headers)


def _forward_exchange(forwarded: Forwarded, raw: bytes, seen: _Seen, relayed: bool) -> Exchange:
    """A forward as the journal keeps it: direction 'forwarded', beside the received one."""
    callback = seen.callback
    return Exchange(
        direction=Direction.FORWARDED,
        at=iso(utc_now()),
        method=forwarded.method,
        url=forwarded.target,
        http_version="HTTP/1.1",
        request_headers=_redacted(forwarded.request_headers),
        request_body=raw,
        request_size=len(raw),
        status=forwarded.status,
        response_headers=forwarded.headers,
        response_body=forwarded.body,
        response_size=forwarded.size,
        error=forwarded.error,
        timing=Timing(total_ms=forwarded.total_ms),
        shot_id=callback.shot_id if callback else None,
        request_id=seen.request_id,
        object_key=seen.object_key,
        callback_id=callback.id if callback else None,
        relayed=relayed,
    )


def _redacted(headers: Headers) -> Headers:
    """The forward's headers as journaled: an Authorization value is sent on as received but
    not written down again (the journal keeps no credential of ours)."""
    return tuple(
        (n, b"(redacted)") if n.lower() == b"authorization" else (n, v) for n, v in headers
    )


def _response(answer: Answer) -> web.Response:
    """The answer as aiohttp sends it: JSON, text, or the tester's bytes and headers."""
    if isinstance(answer.body, bytes):
        headers = CIMultiDict(answer.headers)  # a header typed twice is sent twice
        headers["Content-Type"] = answer.content_type
        return web.Response(body=answer.body, status=answer.status, headers=headers)
    if isinstance(answer.body, str):
        return web.Response(text=answer.body, status=answer.status)
    return web.json_response(answer.body, status=answer.status)


async def _read_body(request: web.Request, seen: _Seen, timeout_s: float) -> bytes:
    """The whole body, or 408 when it has not all come within `timeout_s`, or 413 past
    MAX_BODY (a chunked body says its size only as it comes). A notification of a few hundred
    bytes has nearly always arrived whole before the handler runs, and is then read without
    arming a timer. `seen` keeps what came, for the exchange's record."""
    if request.content.is_eof():
        if request.content_length is not None:  # all here, and no more than MAX_BODY: at once
            seen.body = await request.read()
            seen.size, seen.read = len(seen.body), True
            return seen.body
        await _read_capped(request, seen, MAX_BODY + 1)
    else:
        try:
            async with asyncio.timeout(timeout_s):
                await _read_capped(request, seen, MAX_BODY + 1)
        except TimeoutError:
            seen.read = True
            reason = f"body not received within {timeout_s:g} s"
            raise web.HTTPRequestTimeout(reason=reason) from None
    if seen.size > MAX_BODY:
        await _read_for_record(request, seen, timeout_s)
        raise web.HTTPRequestEntityTooLarge(MAX_BODY, seen.size)
    return seen.body


async def _read_capped(request: web.Request, seen: _Seen, limit: int) -> None:
    """Read the body on until its end or `limit` bytes in all: its first MAX_BODY bytes into
    `seen.body`, every byte counted in `seen.size`."""
    content = request.content
    while seen.size < limit:
        chunk = await content.readany()
        if not chunk:
            break
        if len(seen.body) < MAX_BODY:
            seen.body += chunk[: MAX_BODY - len(seen.body)]
        seen.size += len(chunk)
    seen.read = True


async def _read_for_record(request: web.Request, seen: _Seen, timeout_s: float) -> None:
    """The rest of a refused body, read (up to DRAIN_LIMIT, within `timeout_s`) so its record
    has its first bytes and true length; what does not come in time is not waited for."""
    try:
        async with asyncio.timeout(timeout_s):
            await _read_capped(request, seen, DRAIN_LIMIT)
    except (TimeoutError, ConnectionError, web.RequestPayloadError, HttpProcessingError):
        seen.read = True


def _refusal(request: web.Request, exc: web.HTTPException, size: int) -> str:
    """Why a request was refused, in words naming its method, path and size."""
    if exc.status == 404:
        where = f"{request.method} {request.path}"
        return f"no such path: {where} (notifications go to POST {CALLBACK_PATH})"
    if isinstance(exc, web.HTTPMethodNotAllowed):
        allowed = " or ".join(sorted(exc.allowed_methods))
        return f"method {request.method} not allowed on {request.path} (only {allowed})"
    if exc.status == 413:
        return f"body of {size} bytes, larger than {MAX_BODY // 1024} KiB"
    return f"{exc.reason} ({request.method} {request.path})"


def _exchange(
    request: web.Request,
    seen: _Seen,
    at: str,
    timing: Timing,
    response: web.StreamResponse | None,
    error: str,
) -> Exchange:
    """The exchange of `request` as received and the answer it got (None: none was sent);
    `timing.total_ms` runs from the handler's start until the answer's headers were sent."""
    version = request.version
    body = b""
    if isinstance(response, web.Response) and isinstance(response.body, bytes):
        body = response.body
    callback = seen.callback
    return Exchange(
        direction=Direction.RECEIVED,
        at=at,
        method=request.method,
        url=request.raw_path,
        http_version=f"HTTP/{version.major}.{version.minor}",
        request_headers=tuple(request.raw_headers),
        request_body=seen.body,
        request_size=max(seen.size, len(seen.body)),
        status=DROPPED if response is None else response.status,
        response_headers=()
        if response is None
        else tuple((k.encode(), v.encode()) for k, v in response.headers.items()),
        response_body=body,
        response_size=None if response is None else len(body),
        remote=request.remote or "",
        error=error,
        timing=timing,
        shot_id=callback.shot_id if callback else None,
        request_id=seen.request_id,
        object_key=seen.object_key,
        callback_id=callback.id if callback else None,
    )


def _request_url(request: web.Request) -> str:
    """The URL the request came to, as its Host header says; '' when that header makes no URL
    (a port beyond 65535, bytes IDNA refuses): a sender's Host cannot fail its callback."""
    try:
        return str(request.url)
    except ValueError:  # UnicodeError included
        return ""


def _matching(received: Received, addresses: tuple[str, ...]) -> str | None:
    return next((a for a in addresses if received.checksum_matches(a)), None)


def _drop(request: web.Request) -> NoReturn:
    """Close the connection without answering."""
    if request.transport is not None:
        request.transport.abort()
    raise asyncio.CancelledError


def _error(status: int, message: str, field: str = "") -> web.Response:
    return web.json_response(error_body(message, field), status=status)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SeenHandler = Callable[[web.Request, _Seen], Awaitable[web.StreamResponse]]


async def _no_such_path(_request: web.Request, _seen: _Seen) -> NoReturn:
    """Every path but the callback's and the status page's: 404 (recorded like any)."""
    raise web.HTTPNotFound()


def _error_answer(exc: web.HTTPException) -> web.Response:
    """aiohttp's own errors (404, 405, 413, ...) as JSON bodies, like ours."""
    message = exc.reason
    if exc.status == 413:
        message = f"body larger than {MAX_BODY // 1024} KiB"
    response = _error(exc.status, message)
    if isinstance(exc, web.HTTPMethodNotAllowed):
        response.headers["Allow"] = ", ".join(sorted(exc.allowed_methods))
    return response
