"""The embedded webhook: receives notifications, checks and verifies them, journals them.

`POST /callback` answers 200 with a JSON body when the notification is well-formed. Malformed
JSON or wrong fields get 400 naming the problem, a body over 64 KiB gets 413, other methods 405;
every error body is JSON and the server keeps serving. A tester can choose other answers (a
status code, a delay, a non-JSON body, a dropped connection, 401 on a bad checksum) to watch
the sender's retries.

It listens on 127.0.0.1 unless told otherwise; if the port is taken it tries the next ones and
says which it got.
"""

from __future__ import annotations

import asyncio
import errno
import json
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from aiohttp import web

from capture import events
from capture.config import is_loopback
from capture.errors import PayloadError
from capture.events import Event, EventSink
from capture.journal import Journal
from capture.payload import Received, parse_body
from capture.runtime import StopToken

MAX_BODY = 64 * 1024
BODY_READ_TIMEOUT_S = 10.0
PORT_TRIES = 20
CALLBACK_PATH = "/callback"
SHUTDOWN_GRACE_S = 1.0  # on stop, answers still in progress (a tester's delay) get this long


class AnswerKind(StrEnum):
    NORMAL = "normal"  # 200 with a JSON body
    STATUS = "status"  # a fixed status code (JSON body)
    DELAY = "delay"  # wait, then answer normally
    NON_JSON = "non_json"  # 200 with a plain-text body
    DROP = "drop"  # close the connection without answering


@dataclass(frozen=True)
class AnswerMode:
    kind: AnswerKind = AnswerKind.NORMAL
    status: int = 500
    delay_s: float = 6.0
    reject_bad_checksum: bool = False

    def describe(self) -> str:
        text = {
            AnswerKind.NORMAL: "answer 200 JSON",
            AnswerKind.STATUS: f"answer status {self.status}",
            AnswerKind.DELAY: f"wait {self.delay_s:g} s, then answer 200 JSON",
            AnswerKind.NON_JSON: "answer 200 with a non-JSON body",
            AnswerKind.DROP: "drop the connection without answering",
        }[self.kind]
        return text + ("; 401 on a bad checksum" if self.reject_bad_checksum else "")


@dataclass(frozen=True)
class Verdict:
    checksum_ok: bool
    text: str


class WebhookServer:
    """Runnable. After `ready` is set, `url` is the local callback URL it listens on."""

    def __init__(
        self,
        journal: Journal,
        sink: EventSink = events.discard,
        *,
        host: str = "127.0.0.1",
        port: int = 8787,
        public_url: str = "",
        mode: AnswerMode | None = None,
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
        self._mode = mode or AnswerMode()

    # -- settings changeable while running (from any thread) -------------------------------

    @property
    def url(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}{CALLBACK_PATH}"

    @property
    def mode(self) -> AnswerMode:
        with self._lock:
            return self._mode

    def set_mode(self, mode: AnswerMode) -> None:
        with self._lock:
            self._mode = mode

    def set_public_url(self, url: str) -> None:
        with self._lock:
            self._public_url = url

    def callback_addresses(self, request_url: str = "") -> list[str]:
        """The callbackAddr values a checksum may have been computed with."""
        with self._lock:
            public = self._public_url
        local = [self.url, f"http://localhost:{self.port}{CALLBACK_PATH}"]
        seen: list[str] = []
        for candidate in [public, request_url, *local]:
            if candidate and candidate not in seen:
                seen.append(candidate)
        return seen

    # -- running ----------------------------------------------------------------------------

    def run(self, stop: StopToken) -> None:
        asyncio.run(self._serve(stop))

    async def _serve(self, stop: StopToken) -> None:
        loop = asyncio.get_running_loop()
        stopped = asyncio.Event()
        stop.on_set(lambda: loop.call_soon_threadsafe(stopped.set))
        app = web.Application(client_max_size=MAX_BODY, middlewares=[_json_errors])
        app.router.add_route("*", CALLBACK_PATH, self._callback)
        app.router.add_get("/", self._status)
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_GRACE_S
        )
        await runner.setup()
        try:
            if await self._bind(runner):
                await stopped.wait()
        finally:
            await runner.cleanup()
            self.ready.set()

    async def _bind(self, runner: web.AppRunner) -> bool:
        ports = (
            [0]
            if self.requested_port == 0
            else range(self.requested_port, min(self.requested_port + PORT_TRIES, 65536))
        )
        last_error = ""
        for port in ports:
            site = web.TCPSite(runner, self.host, port, reuse_address=False)
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
            self._announce()
            self.ready.set()
            return True
        self.error = (
            f"webhook cannot listen on {self.host} port {self.requested_port}"
            f" (or the {PORT_TRIES - 1} after it): {last_error}"
        )
        self._sink(Event(events.WARNING, {"message": self.error}))
        return False

    def _announce(self) -> None:
        note = ""
        if self.requested_port and self.port != self.requested_port:
            note = f"port {self.requested_port} was taken; listening on {self.port}"
        if not is_loopback(self.host):
            note = (note + "; " if note else "") + (
                f"listening on {self.host}: other machines can reach this webhook"
            )
        fields = {"url": self.url, "host": self.host, "port": self.port, "note": note}
        self._sink(Event(events.WEBHOOK_LISTENING, fields))

    # -- handlers ---------------------------------------------------------------------------

    async def _status(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {"service": "ShotHook webhook", "callback": self.url, "answer": self.mode.describe()}
        )

    async def _callback(self, request: web.Request) -> web.StreamResponse:
        if request.method != "POST":
            raise web.HTTPMethodNotAllowed(request.method, ["POST"])
        try:
            raw = await asyncio.wait_for(request.read(), BODY_READ_TIMEOUT_S)
        except TimeoutError:
            raise web.HTTPRequestTimeout(reason="body not received in time") from None
        remote = request.remote or ""
        try:
            received = parse_body(raw)
        except PayloadError as exc:
            self._record_rejected(remote, raw, exc)
            return _error(400, exc.message, exc.field)
        verdict = self._verify(received, str(request.url))
        mode = self.mode
        answered = self._planned_status(mode, verdict)
        record = self._journal.add_callback(
            remote=remote,
            request_id=received.request_id,
            object_key=received.object_key,
            answered=answered,
            checksum_ok=verdict.checksum_ok,
            verdict=verdict.text,
            code=received.code,
            raw_body=raw,
        )
        self._sink(
            Event(
                events.CALLBACK_RECEIVED,
                {
                    "object": received.object_key,
                    "requestId": received.request_id,
                    "code": received.code,
                    "checksum_ok": verdict.checksum_ok,
                    "verdict": verdict.text,
                    "delivery": record.delivery,
                    "retry": record.delivery > 1,
                    "shot_id": record.shot_id,
                    "answered": answered,
                },
            )
        )
        return await self._answer(request, mode, verdict, received)

    def _verify(self, received: Received, request_url: str) -> Verdict:
        candidates = self.callback_addresses(request_url)
        for address in candidates:
            if received.checksum_matches(address):
                return Verdict(True, f"checksum verified with callbackAddr {address}")
        tried = ", ".join(candidates)
        return Verdict(
            False,
            "checksum does not match md5(callbackAddr + code + object + requestId)"
            f" for callbackAddr in: {tried}",
        )

    @staticmethod
    def _planned_status(mode: AnswerMode, verdict: Verdict) -> int:
        if mode.reject_bad_checksum and not verdict.checksum_ok:
            return 401
        if mode.kind is AnswerKind.STATUS:
            return mode.status
        if mode.kind is AnswerKind.DROP:
            return 0
        return 200

    async def _answer(
        self, request: web.Request, mode: AnswerMode, verdict: Verdict, received: Received
    ) -> web.StreamResponse:
        body: dict[str, Any] = {
            "ok": verdict.checksum_ok,
            "requestId": received.request_id,
            "checksum": "verified" if verdict.checksum_ok else "mismatch",
        }
        if mode.reject_bad_checksum and not verdict.checksum_ok:
            return _error(401, verdict.text, "checksum")
        if mode.kind is AnswerKind.DELAY:
            await asyncio.sleep(mode.delay_s)
        elif mode.kind is AnswerKind.STATUS:
            return web.json_response(
                {**body, "note": "status chosen by tester"}, status=mode.status
            )
        elif mode.kind is AnswerKind.NON_JSON:
            return web.Response(text="OK (not JSON, as chosen by the tester)")
        elif mode.kind is AnswerKind.DROP:
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        return web.json_response(body)

    def _record_rejected(self, remote: str, raw: bytes, exc: PayloadError) -> None:
        guess = _loose_fields(raw)
        self._journal.add_callback(
            remote=remote,
            request_id=guess.get("requestId"),
            object_key=guess.get("object"),
            answered=400,
            checksum_ok=None,
            verdict=f"rejected (400): {exc.message}",
            code=None,
            raw_body=raw,
        )
        self._sink(
            Event(
                events.CALLBACK_REJECTED,
                {"status": 400, "problem": exc.message, "field": exc.field, "bytes": len(raw)},
            )
        )

    def with_mode(self, **changes: Any) -> AnswerMode:
        return replace(self.mode, **changes)


def _loose_fields(raw: bytes) -> dict[str, str]:
    """requestId/object from a body that failed the checks, if they are there, for correlation."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k in ("requestId", "object") if isinstance(v := data.get(k), str)}


def _error(status: int, message: str, field: str = "") -> web.Response:
    payload = {"error": message}
    if field:
        payload["field"] = field
    return web.json_response(payload, status=status)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """aiohttp's own errors (404, 405, 413, ...) as JSON bodies, like ours."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = exc.reason
        if exc.status == 413:
            message = f"body larger than {MAX_BODY // 1024} KiB"
        response = _error(exc.status, message)
        if exc.status == 405:
            response.headers["Allow"] = "POST"
        return response
