"""The session's ledger of shots in flight: for each shot between its capture (or resume) and
the end of its upload, what its notification will need to know of it; and, for a stored shot
whose notification was journaled with its upload, the notification waiting to be sent.

The capture loop and the resume step write it, the upload workers read and settle it, so it
holds a lock (never while anything blocks).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from capture.delivery.notifier import NotifyJob


@dataclass(frozen=True)
class ShotMeta:
    """What a notification needs to know about a shot that is still on its way."""

    sid: str
    uid: int
    utc: str
    callback_data: str


class Ledger:
    """Thread-safe: the shots in flight, by shot id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[int, ShotMeta] = {}
        self._journaled: dict[int, NotifyJob] = {}  # stored, notification journaled, not sent

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)

    def remember(self, shot_id: int, meta: ShotMeta) -> None:
        """A shot on its way to storage."""
        with self._lock:
            self._open[shot_id] = meta

    def meta(self, shot_id: int) -> ShotMeta:
        """The shot's facts, leaving it in flight; KeyError for a shot not in flight (a bug)."""
        with self._lock:
            return self._open[shot_id]

    def journaled(self, shot_id: int, job: NotifyJob) -> None:
        """The stored shot's notification is in the journal: `settle` hands its job on, so
        it is journaled once and sent as it was journaled."""
        with self._lock:
            self._journaled[shot_id] = job

    def settle(self, shot_id: int) -> tuple[ShotMeta, NotifyJob | None]:
        """The shot leaves the ledger (stored, or lost): its facts, and its journaled
        notification if there is one (None: the notification is still to be made)."""
        with self._lock:
            return self._open.pop(shot_id), self._journaled.pop(shot_id, None)
