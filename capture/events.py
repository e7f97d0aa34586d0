"""Engine events: what happened, when, with which details.

Every part of the engine reports through an `EventSink` (a plain callable, safe to call from any
thread). Headless mode writes them as JSON lines; the window turns them into Qt signals.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from capture.logs import get_logger
from capture.spec.naming import iso

# The names scripts depend on (the headless contract in README.md).
SESSION_STARTED = "session_started"
SESSION_STOPPED = "session_stopped"
SHOT_CAPTURED = "shot_captured"
TICK_MISSED = "tick_missed"
UPLOAD_SUCCEEDED = "upload_succeeded"
UPLOAD_FAILED = "upload_failed"
UPLOADS_PAUSED = "uploads_paused"
UPLOADS_RESUMED = "uploads_resumed"
NOTIFY_ATTEMPT = "notify_attempt"
NOTIFY_SUCCEEDED = "notify_succeeded"
NOTIFY_FAILED = "notify_failed"
CALLBACK_RECEIVED = "callback_received"
CALLBACK_REJECTED = "callback_rejected"
WEBHOOK_LISTENING = "webhook_listening"
SOURCE_STATE = "source_state"
SPOOL_WARNING = "spool_warning"
THUMBNAIL_READY = "thumbnail_ready"
WARNING = "warning"

_log = get_logger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Event:
    name: str
    fields: dict[str, Any] = field(default_factory=dict)
    time: datetime = field(default_factory=utc_now)

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.name, "time": iso(self.time), **self.fields}


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
