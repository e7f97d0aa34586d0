"""Engine events: what happened, when, with which details.

Every part of the engine reports through an `EventSink` (a plain callable, safe to call from any
thread). Headless mode writes them as JSON lines; the window turns them into Qt signals.

Each event name has one frozen dataclass below, so mypy checks every field an emit site sets.
Its fields are named as their keys in the JSON lines (`requestId` and `object` included): the
lines are a contract scripts parse (README's headless events), and a field's JSON key is then
its name, with nothing to map. Field order is key order. A field declared with `_unless_none()`
is left out of the line when None: the events that carry it only sometimes (a reconnect
attempt, a warning about one shot) keep the shape scripts already read.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any, ClassVar

from capture.logs import get_logger
from capture.spec.naming import iso

_log = get_logger(__name__)

_OMIT_IF_NONE = "omit_if_none"


def utc_now() -> datetime:
    return datetime.now(UTC)


def _unless_none() -> Any:
    """A field that defaults to None and is then left out of the event's line."""
    return field(default=None, metadata={_OMIT_IF_NONE: True})


TYPES: dict[str, type[Event]] = {}
"""Every event class by its name, filled as the classes are declared."""


@dataclass(frozen=True, kw_only=True)
class Event:
    """What every event has: its `name`, its `time`, and its details as `fields`."""

    name: ClassVar[str]
    time: datetime = field(default_factory=utc_now)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if not isinstance(name, str):
            raise TypeError(f"event class {cls.__name__} declares no name")
        if name in TYPES:
            raise TypeError(f"{cls.__name__}: {name!r} is already {TYPES[name].__name__}")
        TYPES[name] = cls

    @property
    def fields(self) -> dict[str, Any]:
        """The details as the JSON line holds them (sequences as lists), in key order: a
        fresh dict, so a sink that changes it changes nothing for the others."""
        shown: dict[str, Any] = {}
        for key, omit_if_none in _layout(type(self)):
            value = getattr(self, key)
            if value is None and omit_if_none:
                continue
            shown[key] = list(value) if isinstance(value, tuple) else value
        return shown

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.name, "time": iso(self.time), **self.fields}


_Layout = tuple[tuple[str, bool], ...]
_LAYOUTS: dict[type[Event], _Layout] = {}


def _layout(kind: type[Event]) -> _Layout:
    """A class's detail fields in order, each with whether None leaves it out; read once per
    class, as every event written goes through it (two threads racing store the same)."""
    layout = _LAYOUTS.get(kind)
    if layout is None:
        layout = tuple(
            (f.name, bool(f.metadata.get(_OMIT_IF_NONE)))
            for f in dataclasses.fields(kind)
            if f.name != "time"
        )
        _LAYOUTS[kind] = layout
    return layout


# -- the events, in the order a session meets them -------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SessionStarted(Event):
    """A capture session began (`resumed`: unfinished shots of earlier sessions queued)."""

    name: ClassVar[str] = "session_started"
    session_id: int
    sids: tuple[str, ...]
    channel: str
    uids: tuple[int, ...]
    interval: int
    count: int | None
    source: str
    storage: str
    callback_url: str
    resumed: int


@dataclass(frozen=True, kw_only=True)
class SessionStopped(Event):
    """A session ended: its counters, and the workers that did not stop in time."""

    name: ClassVar[str] = "session_stopped"
    session_id: int
    shots: int
    missed: int
    uploaded: int
    notified: int
    notify_failed: int
    pending_uploads: int
    pending_notifications: int
    stuck: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ShotCaptured(Event):
    """A shot is in the spool and the journal (`late_ms`: after its slot; None off schedule)."""

    name: ClassVar[str] = "shot_captured"
    shot_id: int
    object: str
    uid: int
    tick: int
    bytes: int
    width: int
    height: int
    frame: int
    late_ms: float | None


@dataclass(frozen=True, kw_only=True)
class TickMissed(Event):
    """An interval without a shot: it is notified as 206 with `reason`."""

    name: ClassVar[str] = "tick_missed"
    shot_id: int
    tick: int
    uid: int
    object: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class UploadSucceeded(Event):
    name: ClassVar[str] = "upload_succeeded"
    shot_id: int
    object: str
    location: str
    bytes: int
    ms: float
    attempt: int


@dataclass(frozen=True, kw_only=True)
class UploadFailed(Event):
    """An upload failed: retried in `retry_in_s`, or, when `final`, never (`retry_in_s` None).
    Every line has every key, so a script reads one shape whichever part failed it."""

    name: ClassVar[str] = "upload_failed"
    shot_id: int
    object: str
    error: str
    advice: str
    code: str
    retryable: bool
    attempt: int
    retry_in_s: float | None
    final: bool


@dataclass(frozen=True, kw_only=True)
class UploadsPaused(Event):
    """An error retrying cannot fix holds every upload back; `advice` names the fix."""

    name: ClassVar[str] = "uploads_paused"
    reason: str
    advice: str
    code: str


@dataclass(frozen=True, kw_only=True)
class UploadsResumed(Event):
    name: ClassVar[str] = "uploads_resumed"
    storage: str


@dataclass(frozen=True, kw_only=True)
class NotifyAttempt(Event):
    """One delivery attempt of a notification (`status` None: no HTTP answer came back)."""

    name: ClassVar[str] = "notify_attempt"
    shot_id: int
    object: str
    requestId: str
    attempt: int
    status: int | None
    ms: float
    ok: bool
    error: str


@dataclass(frozen=True, kw_only=True)
class NotifySucceeded(Event):
    name: ClassVar[str] = "notify_succeeded"
    shot_id: int
    object: str
    requestId: str
    code: int
    attempts: int


@dataclass(frozen=True, kw_only=True)
class NotifyFailed(Event):
    """A notification failed for good: every attempt failed, the last one with `error`."""

    name: ClassVar[str] = "notify_failed"
    shot_id: int
    object: str
    requestId: str
    code: int
    attempts: int
    error: str


@dataclass(frozen=True, kw_only=True)
class CallbackReceived(Event):
    """The embedded webhook journaled a callback (`shot_id` None: it matches no shot)."""

    name: ClassVar[str] = "callback_received"
    object: str
    requestId: str
    code: int
    checksum_ok: bool
    verdict: str
    delivery: int
    retry: bool
    shot_id: int | None
    answered: int


@dataclass(frozen=True, kw_only=True)
class CallbackRejected(Event):
    """The embedded webhook refused a request (`field`: the payload field at fault, or "")."""

    name: ClassVar[str] = "callback_rejected"
    status: int
    problem: str
    field: str
    bytes: int  # the body's true length
    method: str | None = _unless_none()  # for a request refused before its body was read
    path: str | None = _unless_none()


@dataclass(frozen=True, kw_only=True)
class CallbackForwarded(Event):
    """The embedded webhook forwarded a request (--forward-to): the target's `status` in `ms`,
    or None and `error` ("forward timed out after 5 s"); `relayed`: the sender got that answer."""

    name: ClassVar[str] = "callback_forwarded"
    target: str
    method: str
    status: int | None
    ms: float
    error: str
    relayed: bool
    requestId: str | None


@dataclass(frozen=True, kw_only=True)
class WebhookListening(Event):
    """The embedded webhook listens on `url`; `port_taken` (left out otherwise) is the port
    asked for when another process held it and the webhook moved to `port`."""

    name: ClassVar[str] = "webhook_listening"
    url: str
    host: str
    port: int
    note: str
    port_taken: int | None = _unless_none()


@dataclass(frozen=True, kw_only=True)
class SourceStateChanged(Event):
    """The source's state changed; a reconnect attempt also says which one and when the next
    comes (`attempt` and `retry_in`, left out otherwise)."""

    name: ClassVar[str] = "source_state"
    state: str
    source: str
    reason: str
    attempt: int | None = _unless_none()
    retry_in: float | None = _unless_none()


@dataclass(frozen=True, kw_only=True)
class SpoolWarning(Event):
    name: ClassVar[str] = "spool_warning"
    message: str
    pending_bytes: int
    cap_bytes: int


@dataclass(frozen=True, kw_only=True)
class ThumbnailReady(Event):
    """The round's timeline thumbnail is journaled: readers of the journal read again."""

    name: ClassVar[str] = "thumbnail_ready"
    shot_ids: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class WarningIssued(Event):
    """Something the user should know; about one shot (an upload abandoned on stop), or about
    an earlier session that did not stop cleanly, it names which (left out otherwise)."""

    name: ClassVar[str] = "warning"
    message: str
    shot_id: int | None = _unless_none()
    object: str | None = _unless_none()
    session_id: int | None = _unless_none()
    unfinished: int | None = _unless_none()


# The names scripts depend on (the headless contract in README.md), declared by the classes.
SESSION_STARTED = SessionStarted.name
SESSION_STOPPED = SessionStopped.name
SHOT_CAPTURED = ShotCaptured.name
TICK_MISSED = TickMissed.name
UPLOAD_SUCCEEDED = UploadSucceeded.name
UPLOAD_FAILED = UploadFailed.name
UPLOADS_PAUSED = UploadsPaused.name
UPLOADS_RESUMED = UploadsResumed.name
NOTIFY_ATTEMPT = NotifyAttempt.name
NOTIFY_SUCCEEDED = NotifySucceeded.name
NOTIFY_FAILED = NotifyFailed.name
CALLBACK_RECEIVED = CallbackReceived.name
CALLBACK_REJECTED = CallbackRejected.name
CALLBACK_FORWARDED = CallbackForwarded.name
WEBHOOK_LISTENING = WebhookListening.name
SOURCE_STATE = SourceStateChanged.name
SPOOL_WARNING = SpoolWarning.name
THUMBNAIL_READY = ThumbnailReady.name
WARNING = WarningIssued.name


EventSink = Callable[[Event], None]


def discard(_event: Event) -> None:
    """A sink that drops everything (for parts used on their own)."""


class JsonLinesWriter:
    """An EventSink writing one JSON object per line, flushed, from any thread."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        line = json.dumps(event.to_dict(), ensure_ascii=False, default=str)
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()


class Fanout:
    """An EventSink that passes each event to several sinks; a failing sink does not stop others."""

    def __init__(self, *sinks: EventSink) -> None:
        self._sinks = list(sinks)

    def add(self, sink: EventSink) -> None:
        self._sinks.append(sink)

    def __call__(self, event: Event) -> None:
        for sink in self._sinks:
            try:
                sink(event)
            except Exception:
                _log.exception("event sink %r failed on %s", sink, event.name)
