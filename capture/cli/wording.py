"""Engine events in words: the progress lines the headless runner prints and the window logs.

One sentence per event name (an empty string where an event is not worth a line), so the terminal,
shothook.log and the window all say the same thing the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from capture import events
from capture.events import Event


def line(event: Event) -> str:
    """The event as one progress line, or "" for an event that is not told in words."""
    format_line = _LINES.get(event.name)
    if format_line is None:
        return ""
    return format_line(event.fields)


def _started(f: dict[str, Any]) -> str:
    resumed = f" (resuming {f['resumed']} unfinished)" if f["resumed"] else ""
    return (
        f"capturing {f['source']} every {f['interval']} s as channel {f['channel']!r}, "
        f"uid {', '.join(map(str, f['uids']))} -> {f['storage']}; "
        f"notifying {f['callback_url']}{resumed}"
    )


def _stopped(f: dict[str, Any]) -> str:
    return (
        f"stopped: {f['shots']} shots, {f['uploaded']} stored, {f['notified']} notified, "
        f"{f['missed']} intervals without a shot, {f['notify_failed']} notifications failed, "
        f"{f['pending_uploads']} uploads pending"
    )


def _source(f: dict[str, Any]) -> str:
    reason = f": {f['reason']}" if f["reason"] else ""
    retry = ""
    if f.get("retry_in"):
        retry = f" (attempt {f['attempt']}, next try in {f['retry_in']:g} s)"
    return f"source {f['source']}: {f['state']}{retry}{reason}"


def _upload_failed(f: dict[str, Any]) -> str:
    if f.get("final"):
        return f"  UPLOAD FAILED for good: {f['error']}. {f['advice']}"
    return f"  upload failed (try {f['attempt']}): {f['error']}; retry in {f['retry_in_s']:g} s"


def _listening(f: dict[str, Any]) -> str:
    return f"webhook listening on {f['url']}" + (f" ({f['note']})" if f["note"] else "")


def _attempt(f: dict[str, Any]) -> str:
    if f["ok"]:
        return ""
    return f"  notify attempt {f['attempt']} failed: {f['error']} ({f['ms']:.0f} ms)"


def _received(f: dict[str, Any]) -> str:
    retry = f", delivery {f['delivery']} of the same requestId" if f["retry"] else ""
    return f"  webhook received it: {f['verdict']}{retry}"


_LINES: dict[str, Callable[[dict[str, Any]], str]] = {
    events.SESSION_STARTED: _started,
    events.SESSION_STOPPED: _stopped,
    events.SOURCE_STATE: _source,
    events.WEBHOOK_LISTENING: _listening,
    events.NOTIFY_ATTEMPT: _attempt,
    events.CALLBACK_RECEIVED: _received,
    events.SHOT_CAPTURED: lambda f: f"shot  {f['object']} ({f['bytes'] / 1024:.0f} KiB)",
    events.TICK_MISSED: lambda f: f"206   {f['reason']}",
    events.UPLOAD_SUCCEEDED: lambda f: f"  stored   {f['location']} in {f['ms']:.0f} ms",
    events.UPLOAD_FAILED: _upload_failed,
    events.UPLOADS_PAUSED: lambda f: f"UPLOADS PAUSED: {f['reason']}. {f['advice']}",
    events.UPLOADS_RESUMED: lambda f: "uploads resumed",
    events.NOTIFY_SUCCEEDED: lambda f: f"  notified (code {f['code']}, attempt {f['attempts']})",
    events.NOTIFY_FAILED: lambda f: (
        f"  NOTIFICATION FAILED after {f['attempts']} attempts: {f['error']}"
    ),
    events.CALLBACK_REJECTED: lambda f: (
        f"  webhook rejected a request ({f['status']}): {f['problem']}"
    ),
    events.SPOOL_WARNING: lambda f: f"warning: {f['message']}",
    events.WARNING: lambda f: f"warning: {f['message']}",
}
