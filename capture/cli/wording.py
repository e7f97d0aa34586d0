"""Engine events in words: the progress lines the headless runner prints and the window logs.

One sentence per event class (none for an event not worth a line), so the terminal,
shothook.log and the window all say the same thing the same way.
"""

from __future__ import annotations

from functools import singledispatch

from capture.events import (
    CallbackForwarded,
    CallbackReceived,
    CallbackRejected,
    Event,
    NotifyAttempt,
    NotifyFailed,
    NotifySucceeded,
    SessionStarted,
    SessionStopped,
    ShotCaptured,
    SourceStateChanged,
    SpoolWarning,
    TickMissed,
    UploadFailed,
    UploadsPaused,
    UploadsResumed,
    UploadSucceeded,
    WarningIssued,
    WebhookListening,
)


@singledispatch
def line(event: Event) -> str:
    """The event as one progress line, or "" for an event that is not told in words."""
    return ""


@line.register
def _started(e: SessionStarted) -> str:
    resumed = f" (resuming {e.resumed} unfinished)" if e.resumed else ""
    return (
        f"capturing {e.source} every {e.interval} s as channel {e.channel!r}, "
        f"uid {', '.join(map(str, e.uids))} -> {e.storage}; "
        f"notifying {e.callback_url}{resumed}"
    )


@line.register
def _stopped(e: SessionStopped) -> str:
    return (
        f"stopped: {e.shots} shots, {e.uploaded} stored, {e.notified} notified, "
        f"{e.missed} intervals without a shot, {e.notify_failed} notifications failed, "
        f"{e.pending_uploads} uploads pending"
    )


@line.register
def _source(e: SourceStateChanged) -> str:
    reason = f": {e.reason}" if e.reason else ""
    retry = ""
    if e.retry_in:
        retry = f" (attempt {e.attempt}, next try in {e.retry_in:g} s)"
    return f"source {e.source}: {e.state}{retry}{reason}"


@line.register
def _listening(e: WebhookListening) -> str:
    return f"webhook listening on {e.url}" + (f" ({e.note})" if e.note else "")


@line.register
def _shot(e: ShotCaptured) -> str:
    return f"shot  {e.object} ({e.bytes / 1024:.0f} KiB)"


@line.register
def _missed(e: TickMissed) -> str:
    return f"206   {e.reason}"


@line.register
def _stored(e: UploadSucceeded) -> str:
    return f"  stored   {e.location} in {e.ms:.0f} ms"


@line.register
def _upload_failed(e: UploadFailed) -> str:
    if e.final or e.retry_in_s is None:
        return f"  UPLOAD FAILED for good: {e.error}. {e.advice}"
    return f"  upload failed (try {e.attempt}): {e.error}; retry in {e.retry_in_s:g} s"


@line.register
def _paused(e: UploadsPaused) -> str:
    return f"UPLOADS PAUSED: {e.reason}. {e.advice}"


@line.register
def _resumed(_e: UploadsResumed) -> str:
    return "uploads resumed"


@line.register
def _attempt(e: NotifyAttempt) -> str:
    if e.ok:
        return ""
    return f"  notify attempt {e.attempt} failed: {e.error} ({e.ms:.0f} ms)"


@line.register
def _notified(e: NotifySucceeded) -> str:
    return f"  notified (code {e.code}, attempt {e.attempts})"


@line.register
def _notify_failed(e: NotifyFailed) -> str:
    return f"  NOTIFICATION FAILED after {e.attempts} attempts: {e.error}"


@line.register
def _received(e: CallbackReceived) -> str:
    retry = f", delivery {e.delivery} of the same requestId" if e.retry else ""
    return f"  webhook received it: {e.verdict}{retry}"


@line.register
def _rejected(e: CallbackRejected) -> str:
    return f"  webhook rejected a request ({e.status}): {e.problem}"


@line.register
def _forwarded(e: CallbackForwarded) -> str:
    relayed = " (relayed to the sender)" if e.relayed else ""
    if e.status is None:
        gave = " (the sender got 502)" if e.relayed else ""
        return f"  webhook could not forward it to {e.target}: {e.error}{gave}"
    return f"  webhook forwarded it to {e.target}: {e.status} in {e.ms:.0f} ms{relayed}"


@line.register
def _spool(e: SpoolWarning) -> str:
    return f"warning: {e.message}"


@line.register
def _warning(e: WarningIssued) -> str:
    return f"warning: {e.message}"
