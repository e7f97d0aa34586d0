"""What the journal's writers hand in and get back: one frozen record per kind of row."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from capture.journal.states import NotifyState, UploadState

# The `answered` of a callback (and the status of a received exchange) the webhook never sent:
DROPPED = 0  # the connection was closed without an answer (a tester's answer mode)
ANSWERING = -1  # a delayed answer waits: not sent yet
SENDER_GONE = -2  # the sender hung up before the delayed answer could be sent


@dataclass(frozen=True)
class NewShot:
    session_id: int
    tick: int
    sid: str
    uid: int
    channel: str
    object_key: str
    captured_utc: str
    code: int
    msg: str
    width: int = 0
    height: int = 0
    size: int = 0
    spool_path: str | None = None
    thumbnail: bytes | None = None
    late_ms: float | None = None  # after the tick's slot; None for a shot not taken on a tick
    md5: str | None = None  # of the JPEG, for reconciling with the storage's ETag


@dataclass(frozen=True)
class OpenShot:
    """A shot whose upload or notification is not finished (resumed after a restart)."""

    id: int
    object_key: str
    sid: str
    uid: int
    channel: str
    captured_utc: str
    code: int
    msg: str
    spool_path: str | None
    upload_state: UploadState
    notify_state: NotifyState
    request_id: str | None
    payload_json: str | None
    callback_url: str


@dataclass(frozen=True)
class AbandonedSession:
    """A session that never recorded its stop (the app was killed or crashed)."""

    id: int
    started_at: str
    last_activity: str  # ISO time of the last thing journaled for it
    unfinished: int  # its shots not yet uploaded or notified


class IncomingCallback(NamedTuple):
    """A callback the webhook received, with what it decided about it, to be journaled (named
    tuples, this and `CallbackRecord`, for the same reason as `Exchange`)."""

    remote: str
    request_id: str | None
    object_key: str | None
    answered: int
    checksum_ok: bool | None
    verdict: str
    code: int | None
    raw_body: bytes


Headers = tuple[tuple[bytes, bytes], ...]
"""HTTP header lines as (name, value) bytes, in the order and case they were sent."""


class Direction(StrEnum):
    RECEIVED = "received"  # a request the embedded webhook received, and its answer
    SENT = "sent"  # a notification attempt the sender made, and the answer it got
    FORWARDED = "forwarded"  # a received request sent on by --forward-to, and the target's answer


class Timing(NamedTuple):
    """How long an exchange took, in ms (None: not measured). `connect_ms` is the TCP connect,
    and for https the TLS handshake too (aiohttp has no hook between them: `tls_ms` stays None);
    `first_byte_ms` is from the start until the answer's status line and headers arrived;
    `total_ms` until the answer was read (sent) or sent (received)."""

    total_ms: float | None = None
    connect_ms: float | None = None
    tls_ms: float | None = None
    first_byte_ms: float | None = None


class Exchange(NamedTuple):
    """One HTTP request and its answer, byte-exact and bounded: bodies are the first
    `EXCHANGE_BODY_KEEP` bytes, `*_size` their true length (None when unknown). `url` is the
    path and query as received, or the full URL sent to. `status` None: no answer (0 for a
    connection the webhook dropped on purpose). `id` is 0 until journaled; `attempt` is the
    attempt's number for a sent exchange. Authorization values are kept as sent (an export
    decides whether they go out); ShotHook never sends its S3 secret in any header.

    A named tuple, not a frozen dataclass: the webhook makes one for every request it
    receives, and a frozen dataclass of these 23 fields takes about 6 us to build, a tuple
    under 1.5 (benchmarks/callbacks.py). Change one with `_replace`."""

    direction: Direction
    at: str  # ISO time the request started
    method: str
    url: str
    http_version: str  # "HTTP/1.1"
    request_headers: Headers
    request_body: bytes
    request_size: int
    status: int | None
    response_headers: Headers = ()
    response_body: bytes = b""
    response_size: int | None = None
    remote: str = ""  # the peer's address (received only)
    error: str = ""  # why there was no (complete) answer, in words
    timing: Timing = Timing()
    shot_id: int | None = None
    request_id: str | None = None
    object_key: str | None = None
    callback_id: int | None = None
    attempt_id: int | None = None
    attempt: int | None = None
    relayed: bool = False  # a forward whose answer the sender got (--relay-answer)
    id: int = 0


@dataclass(frozen=True)
class PendingNotification:
    """A notification about to be sent, journaled as NotifyState.SENDING before its first
    attempt."""

    request_id: str
    payload_json: str
    callback_url: str


class CallbackRecord(NamedTuple):
    id: int
    shot_id: int | None
    delivery: int  # 1 for the first delivery of a requestId, 2.. for its retries


@dataclass(frozen=True)
class Pruned:
    """What retention removed from the journal, and the spool files its shots had kept."""

    sessions: int
    shots: int
    callbacks: int
    spool_files: tuple[str, ...]


@dataclass(frozen=True)
class PruneCounts:
    """What pruning at one time would do to the timeline's rows (a shot, or a callback that
    matched none), before it does it: for the window's confirmation."""

    going: int  # the rows of the finished sessions, and the foreign callbacks before it
    staying: int  # every other row: the running session's, and those of sessions kept whole
    waiting: int  # shots still waiting to upload or notify (their sessions stay)


# Spool files are journaled relative to the journal's folder (the data folder), so a data folder
# that is moved, restored elsewhere or mounted at a new place still finds the shots it was
# waiting to upload. A file outside that folder (never made by ShotHook) keeps its full path.


def stored_spool_path(journal_folder: Path, path: str) -> str:
    """How a spool file's path is written to the journal."""
    try:
        return Path(path).relative_to(journal_folder).as_posix()
    except ValueError:
        return path


def spool_file(journal_folder: Path, stored: str) -> str:
    """The spool file a journaled path names, on this machine, today."""
    return str(journal_folder / stored) if not Path(stored).is_absolute() else stored


@dataclass(frozen=True)
class SentNotification:
    """A shot's notification as journaled, to be sent again (--resend, the window)."""

    shot_id: int
    sid: str
    object_key: str
    code: int
    request_id: str
    payload_json: str  # the body exactly as sent
    callback_url: str
