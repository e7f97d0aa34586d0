"""Resuming what earlier sessions left unfinished, at the start of a session.

A session that was stopped with shots still open, or killed, or crashed, leaves them open in
the journal: not yet uploaded (the JPEG waits in the spool), or uploaded (or never to be) but
not yet notified. The next session carries each on from where it stopped, oldest first: an
upload is queued again from its spool file; a notification is sent again under the requestId
it was journaled with, so the receiver sees a retry of the same notification, not a new one.
Both keep the callbackData they were made with, even if the setting changed since.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass

from capture.delivery.uploads import UploadItem
from capture.events import EventSink, WarningIssued
from capture.journal.states import UploadState
from capture.journal.writer import Journal, OpenShot
from capture.shooting.ledger import ShotMeta


@dataclass(frozen=True)
class Reupload:
    """An upload to queue again from its spool file."""

    meta: ShotMeta
    item: UploadItem


@dataclass(frozen=True)
class Renotify:
    """A notification to send again (`request_id` None: it was never made, make it now)."""

    shot_id: int
    object_key: str
    meta: ShotMeta
    code: int
    msg: str
    request_id: str | None


Resumed = Reupload | Renotify


def unfinished_work(shots: Iterable[OpenShot], extra_info: str) -> list[Resumed]:
    """What to do with each open shot, in the order given (the journal's: oldest first).
    `extra_info` is the callbackData of a shot whose notification was never made."""
    work: list[Resumed] = []
    for shot in shots:
        data = _previous_callback_data(shot.payload_json)
        meta = ShotMeta(shot.sid, shot.uid, shot.captured_utc, extra_info if data is None else data)
        if shot.upload_state is UploadState.PENDING and shot.spool_path:
            size = _file_size(shot.spool_path)
            item = UploadItem(shot.id, shot.object_key, shot.spool_path, size)
            work.append(Reupload(meta, item))
        else:
            work.append(
                Renotify(shot.id, shot.object_key, meta, shot.code, shot.msg, shot.request_id)
            )
    return work


def report_abandoned(journal: Journal, session_id: int, sink: EventSink) -> None:
    """Sessions an earlier run never stopped (killed, crashed): say so before resuming."""
    for gone in journal.close_abandoned_sessions(session_id):
        sink(
            WarningIssued(
                message=f"session {gone.id} (started {gone.started_at}) did not stop"
                f" cleanly: the app was killed or crashed after {gone.last_activity};"
                f" its {gone.unfinished} unfinished shot(s) resume now",
                session_id=gone.id,
                unfinished=gone.unfinished,
            )
        )


def _previous_callback_data(payload_json: str | None) -> str | None:
    if not payload_json:
        return None
    value = json.loads(payload_json).get("callbackData")
    return value if isinstance(value, str) else None


def _file_size(path: str) -> int:
    """The spool file's size, 0 when it is gone (the upload then finds it lost)."""
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
