"""Sending a journaled notification again, by hand (`--resend`, the window's Resend).

By default it goes as the spec's retry does: the same body, byte for byte, with the same
requestId, to the same callback URL, under the same delivery rules (sender.deliver: 5 s,
200 + JSON, 3 attempts). Sent elsewhere (`to`), its checksum is made again for that
callbackAddr, or the receiver could never verify it; with a new requestId, likewise. An
edited body (the window) is sent as typed, its checksum made again unless the user said not
to. The resend is journaled with its own attempts, linked to the shot, and with a note saying
how it differs from the original, so the row shows it beside the pipeline's attempts.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from capture.delivery.sender import AttemptResult, client_session, deliver
from capture.errors import ConfigError, ShotHookError
from capture.events import EventSink, NotifyAttempt, NotifyFailed, NotifySucceeded, discard
from capture.journal.writer import Journal, SentNotification
from capture.runtime import StopToken
from capture.spec.naming import new_request_id
from capture.spec.payload import PayloadError, encoded, with_checksum

FIELD = "resend"  # the ConfigErrors' field: the --resend flag, the window's Resend
BODY_FIELD = "resend_body"  # an edited body that breaks a rule
SAME = "sent as the spec's retry: the same body and requestId"


@dataclass(frozen=True)
class ResendRequest:
    request_id: str
    to: str = ""  # '' for the original callback URL
    new_request_id: bool = False
    body: str | None = None  # an edited body (the window); None: the journaled one
    recompute: bool = True  # an edited body's checksum made for the target


@dataclass(frozen=True)
class Prepared:
    """What will be sent, where, and how it differs from the original."""

    original: SentNotification
    url: str
    request_id: str
    body: bytes
    note: str


@dataclass(frozen=True)
class Outcome:
    prepared: Prepared
    resend_id: int
    attempts: tuple[AttemptResult, ...]

    @property
    def delivered(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].ok

    def describe(self) -> str:
        """The resend's end in one line (the terminal, the window's status bar)."""
        sent = self.prepared
        where = f"requestId {sent.request_id} to {sent.url} ({sent.note})"
        count = len(self.attempts)
        if self.delivered:
            return f"resent {where}: delivered on attempt {count}"
        return f"resent {where}: failed after {count} attempts: {self.attempts[-1].error}"


def find(journal: Journal, request_id: str) -> SentNotification:
    """The journaled notification, or ConfigError naming --resend."""
    found = journal.sent_notification(request_id.strip())
    if found is None:
        raise ConfigError(
            FIELD, f"no notification with this requestId in the journal {journal.path}", request_id
        )
    return found


def prepare(original: SentNotification, request: ResendRequest) -> Prepared:
    """The body to send (ConfigError for an edited one that breaks a rule)."""
    url = request.to or original.callback_url
    if request.body is not None:
        return _edited(original, request, url)
    if not request.to and not request.new_request_id:
        return Prepared(original, url, original.request_id, original.payload_json.encode(), SAME)
    body: dict[str, Any] = json.loads(original.payload_json)
    notes = []
    if request.new_request_id:
        body["requestId"] = new_request_id(original.sid, datetime.now(UTC))
        notes.append(f"new requestId {body['requestId']}")
    body = with_checksum(body, url)
    notes.append(f"checksum recomputed for callbackAddr {url}")
    return Prepared(original, url, str(body["requestId"]), encoded(body), "; ".join(notes))


def _edited(original: SentNotification, request: ResendRequest, url: str) -> Prepared:
    text = request.body or ""
    try:
        body = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ConfigError(BODY_FIELD, f"must be JSON ({exc})") from None
    if not isinstance(body, dict):
        raise ConfigError(BODY_FIELD, "must be a JSON object, as a notification is")
    request_id = body.get("requestId")
    request_id = request_id if isinstance(request_id, str) else original.request_id
    if not request.recompute:
        note = "edited; the checksum sent as typed (not recomputed)"
        return Prepared(original, url, request_id, text.encode("utf-8"), note)
    try:
        body = with_checksum(body, url)
    except PayloadError as exc:
        raise ConfigError(BODY_FIELD, exc.message) from None
    note = f"edited; checksum recomputed for callbackAddr {url}"
    return Prepared(original, url, request_id, encoded(body), note)


async def send(journal: Journal, prepared: Prepared, sink: EventSink = discard) -> Outcome:
    """Deliver `prepared` as the sender does, journaling the resend and each attempt."""
    shot = prepared.original
    resend_id = journal.add_resend(
        shot.shot_id,
        url=prepared.url,
        request_id=prepared.request_id,
        body=prepared.body.decode("utf-8", errors="replace"),
        note=prepared.note,
    )

    def record(result: AttemptResult) -> None:
        journal.add_attempt(
            shot.shot_id,
            prepared.request_id,
            result.attempt,
            status=result.status,
            ms=result.ms,
            ok=result.ok,
            error=result.error,
            body_excerpt=result.body_excerpt,
            resend_id=resend_id,
            exchange=result.exchange,
        )
        sink(
            NotifyAttempt(
                shot_id=shot.shot_id,
                object=shot.object_key,
                requestId=prepared.request_id,
                attempt=result.attempt,
                status=result.status,
                ms=round(result.ms, 1),
                ok=result.ok,
                error=result.error,
            )
        )

    try:
        async with client_session() as session:
            results = await deliver(session, prepared.url, prepared.body, record)
    except asyncio.CancelledError:
        journal.resend_finished(resend_id, False)  # stopped: never left "being sent"
        raise
    outcome = Outcome(prepared, resend_id, tuple(results))
    journal.resend_finished(resend_id, outcome.delivered)
    _report(outcome, sink)
    return outcome


def _report(outcome: Outcome, sink: EventSink) -> None:
    """The resend's end, as the pipeline's notifications report theirs."""
    shot, request_id, count = (
        outcome.prepared.original,
        outcome.prepared.request_id,
        len(outcome.attempts),
    )
    if outcome.delivered:
        sink(
            NotifySucceeded(
                shot_id=shot.shot_id,
                object=shot.object_key,
                requestId=request_id,
                code=shot.code,
                attempts=count,
            )
        )
        return
    sink(
        NotifyFailed(
            shot_id=shot.shot_id,
            object=shot.object_key,
            requestId=request_id,
            code=shot.code,
            attempts=count,
            error=outcome.attempts[-1].error,
        )
    )


def resend(
    journal: Journal,
    request: ResendRequest,
    sink: EventSink = discard,
    stop: StopToken | None = None,
) -> Outcome:
    """Find, prepare and send, on this thread (the window calls it on a worker, with the
    token its closing sets: a resend under way then ends at once, journaled as failed)."""
    prepared = prepare(find(journal, request.request_id), request)
    return asyncio.run(_until(send(journal, prepared, sink), stop))


async def _until(work: Coroutine[Any, Any, Outcome], stop: StopToken | None) -> Outcome:
    if stop is None:
        return await work
    loop = asyncio.get_running_loop()
    event = asyncio.Event()
    # Forgotten when this loop ends: the token (the window's closing) outlives the resend,
    # and setting it later must not reach a closed loop.
    forget = stop.on_set(lambda: loop.call_soon_threadsafe(event.set))
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        forget()
        stopped.cancel()
    if not task.done():
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise ShotHookError("the resend was stopped before it ended")
    return task.result()
