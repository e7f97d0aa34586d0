"""A shot's states in the journal, the statuses the timeline derives from them, and the
conditions that file a shot under a status group, each written once.

Upload:  pending -> uploaded | lost (its spool file vanished: notified as 206)
         | none (a 206 interval: nothing to upload)
Notify:  waiting (for the upload) -> sending -> delivered | failed

A `Predicate` is one condition in two forms: `sql`, over the table `shots` aliased `s`, for the
queries that count or filter shots in SQLite; and `holds`, on a shot's `ShotFacts`, for the
status the reader gives each row. Both forms come from the same leaves and operators below, so a
query and a row cannot disagree about a shot (tests/journal/test_states.py checks every
combination). The columns involved are NOT NULL and EXISTS is never NULL, so SQL's NOT and OR
behave here as Python's do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from operator import attrgetter
from typing import Protocol

from capture.spec.payload import CODE_COMPLETE


class UploadState(StrEnum):
    PENDING = "pending"
    UPLOADED = "uploaded"
    LOST = "lost"  # its spool file vanished: notified as 206
    NONE = "none"  # a 206 interval: nothing to upload


class NotifyState(StrEnum):
    WAITING = "waiting"  # for the upload
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"


class StatusGroup(StrEnum):
    OK = "ok"
    PENDING = "pending"
    FAILED = "failed"
    FOREIGN = "foreign"


class Status(StrEnum):
    VERIFIED = "verified"  # delivered, and the embedded webhook verified the checksum
    DELIVERED = "delivered"  # delivered to a webhook that is not ours
    UPLOADING = "uploading"
    RETRYING = "retrying"  # an upload or a notification attempt failed; more to come
    NOTIFYING = "notifying"
    NO_SHOT = "no shot"  # a 206 interval
    FAILED = "failed"  # the notification failed after every attempt
    MISMATCH = "checksum mismatch"
    FOREIGN = "foreign callback"
    REJECTED = "rejected"  # a request the webhook refused (404, 405, 413, bad JSON...), no shot's

    @property
    def group(self) -> StatusGroup:
        if self in (Status.VERIFIED, Status.DELIVERED):
            return StatusGroup.OK
        if self in (Status.UPLOADING, Status.RETRYING, Status.NOTIFYING):
            return StatusGroup.PENDING
        if self in (Status.FOREIGN, Status.REJECTED):
            return StatusGroup.FOREIGN
        return StatusGroup.FAILED


class ShotFacts(Protocol):
    """What a shot's status group depends on (a timeline row has these)."""

    @property
    def code(self) -> int | None: ...
    @property
    def upload_state(self) -> UploadState | None: ...
    @property
    def notify_state(self) -> NotifyState | None: ...
    @property
    def checksum_bad(self) -> bool: ...  # a callback about it failed the checksum check


@dataclass(frozen=True)
class Predicate:
    """One condition on a shot: `sql` over `shots s`, and `holds` on its facts."""

    sql: str
    holds: Callable[[ShotFacts], bool]

    def __or__(self, other: Predicate) -> Predicate:
        return Predicate(f"({self.sql} OR {other.sql})", lambda f: self.holds(f) or other.holds(f))

    def __and__(self, other: Predicate) -> Predicate:
        return Predicate(
            f"({self.sql} AND {other.sql})", lambda f: self.holds(f) and other.holds(f)
        )

    def __invert__(self) -> Predicate:
        return Predicate(f"(NOT {self.sql})", lambda f: not self.holds(f))


def _one_of(column: str, values: Iterable[int | StrEnum]) -> Predicate:
    """The shot's `column` (a ShotFacts field of the same name) is one of `values`."""
    chosen = frozenset(values)
    listed = ", ".join(sorted(_literal(value) for value in chosen))
    value_of = attrgetter(column)
    return Predicate(f"s.{column} IN ({listed})", lambda f: value_of(f) in chosen)


def _literal(value: int | StrEnum) -> str:
    if isinstance(value, StrEnum):
        return "'" + value.value.replace("'", "''") + "'"
    return str(int(value))


COMPLETE = _one_of("code", [CODE_COMPLETE])  # a screenshot was taken
UPLOADED = _one_of("upload_state", [UploadState.UPLOADED])
UPLOAD_OPEN = _one_of("upload_state", [UploadState.PENDING])
NOTIFY_OPEN = _one_of("notify_state", [NotifyState.WAITING, NotifyState.SENDING])
DELIVERED = _one_of("notify_state", [NotifyState.DELIVERED])
NOTIFY_FAILED = _one_of("notify_state", [NotifyState.FAILED])
CHECKSUM_BAD = Predicate(
    "EXISTS(SELECT 1 FROM callbacks c WHERE c.shot_id = s.id AND c.checksum_ok = 0)",
    attrgetter("checksum_bad"),
)
NEVER = Predicate("0", lambda _f: False)

OPEN = UPLOAD_OPEN | NOTIFY_OPEN  # its upload or notification is not finished
FAILED = ~COMPLETE | CHECKSUM_BAD | NOTIFY_FAILED
PENDING = ~FAILED & OPEN

SHOT_GROUPS: dict[StatusGroup, Predicate] = {  # the group each shot is filed under
    StatusGroup.FAILED: FAILED,
    StatusGroup.PENDING: PENDING,
    StatusGroup.OK: ~FAILED & ~OPEN,
    StatusGroup.FOREIGN: NEVER,  # a foreign row is a callback, never a shot
}
