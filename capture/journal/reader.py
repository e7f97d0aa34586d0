"""The timeline, read from the journal: one row per shot with everything that happened to it,
plus a row for each callback that matched no shot.

`TimelineReader` has its own read-only SQLite connection. The window's worker calls
`rows_since(seq)` with the last `seq` it saw and gets only the rows that changed since, each
aggregated from shots, attempts and callbacks in one consistent snapshot. `detail(row)` adds
what the detail pane needs; `counters()` the strip above the table; `session_times` the
latency plot's times of the newest session's shots.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from capture.journal import states
from capture.journal.exchanges import exchanges_of_row
from capture.journal.query import Query, foreign_clause, shot_clause
from capture.journal.records import Exchange, spool_file
from capture.journal.schema import connect
from capture.journal.states import NotifyState, ShotFacts, Status, StatusGroup, UploadState
from capture.spec.checksum import Explanation, explain_body
from capture.spec.naming import parse_iso, parse_utc_digits
from capture.spec.payload import CODE_COMPLETE

__all__ = [  # Status and StatusGroup too: a row's status is part of the reader's answer
    "DEFAULT_BATCH",
    "Attempt",
    "Batch",
    "Callback",
    "Counters",
    "Detail",
    "Query",
    "ReceivedBody",
    "Resend",
    "RowKind",
    "SessionInfo",
    "SessionTimes",
    "ShotTimes",
    "Status",
    "StatusGroup",
    "TimelineReader",
    "TimelineRow",
    "shot_status",
]

DEFAULT_BATCH = 500


class RowKind(StrEnum):
    SHOT = "shot"
    CALLBACK = "callback"  # a callback that matched no shot, or a request the webhook refused


@dataclass(frozen=True, slots=True)  # the window keeps thousands (docs/benchmarks.md)
class Attempt:
    attempt: int
    at: str
    status: int | None
    ms: float
    ok: bool
    error: str
    body_excerpt: str


@dataclass(frozen=True, slots=True)
class Resend:
    """A notification sent again by hand, its attempts, and how it differs (`note`)."""

    id: int
    at: str
    url: str
    request_id: str
    note: str
    delivered: bool | None  # None: still being sent
    attempts: tuple[Attempt, ...] = ()


@dataclass(frozen=True, slots=True)  # the window keeps thousands (docs/benchmarks.md)
class Callback:
    id: int
    received_at: str
    remote: str
    request_id: str
    object_key: str
    delivery: int
    answered: int
    checksum_ok: bool | None
    verdict: str
    code: int | None


@dataclass(frozen=True, slots=True)  # the window keeps thousands (docs/benchmarks.md)
class TimelineRow:
    kind: RowKind
    id: int  # the shot's id, or the callback's for a foreign callback
    seq: int
    when: datetime  # capture time; reception time for a foreign callback
    object_key: str
    request_id: str
    code: int | None
    msg: str
    status: Status
    summary: str  # the status in words, with the reason
    session_id: int | None = None
    uid: int = 0
    width: int = 0
    height: int = 0
    size: int = 0
    has_thumbnail: bool = False
    upload_state: UploadState | None = None  # None for a foreign callback
    upload_tries: int = 0
    upload_error: str = ""
    upload_location: str = ""
    uploaded_at: str = ""
    upload_ms: float | None = None
    notify_state: NotifyState | None = None
    attempts: tuple[Attempt, ...] = ()  # the pipeline's own (a resend's are in `resends`)
    callbacks: tuple[Callback, ...] = ()
    resends: tuple[Resend, ...] = ()

    @property
    def key(self) -> tuple[RowKind, int]:
        return (self.kind, self.id)

    @property
    def checksum_bad(self) -> bool:
        return any(c.checksum_ok is False for c in self.callbacks)


@dataclass(frozen=True)
class Batch:
    rows: list[TimelineRow]
    seq: int  # pass this to the next rows_since
    more: bool  # True when the limit cut the batch short


@dataclass(frozen=True)
class Counters:
    shots: int = 0  # screenshots taken (code 200)
    uploaded: int = 0
    notified: int = 0
    callbacks: int = 0  # received by the embedded webhook, matched or not
    failures: int = 0  # rows whose status is in the FAILED group
    pending: int = 0
    rows: int = 0  # the timeline's rows: every shot and every callback matching none
    session: SessionInfo | None = None  # the newest session, with its own counters
    matching: int | None = None  # the rows a search finds in the whole journal (None: none)


@dataclass(frozen=True)
class ReceivedBody:
    callback: Callback
    body: str  # pretty-printed when it is JSON, else as received
    checksum: Explanation | None = None  # None: the body holds no checksum to explain
    forward: Forwarding | None = None  # --forward-to: where it went on and what came back


@dataclass(frozen=True)
class Forwarding:
    """A received request's forward (--forward-to), as the detail pane shows it."""

    target: str
    status: int | None  # None: no answer (`error` says why)
    total_ms: float | None
    error: str
    relayed: bool  # the sender got this answer (--relay-answer)


@dataclass(frozen=True)
class Detail:
    row: TimelineRow
    payload_sent: str  # pretty-printed JSON, '' when no notification was made
    callback_url: str
    received: tuple[ReceivedBody, ...]
    image_path: str  # a file on this machine holding the full image, or ''
    image_where: str  # where the image is when not here, in words
    resent: tuple[tuple[Resend, str], ...] = ()  # each resend and its body exactly as sent
    exchanges: tuple[Exchange, ...] = ()  # the row's HTTP traffic whole, oldest first


@dataclass(frozen=True)
class SessionInfo:
    id: int
    started_at: str  # ISO
    stopped_at: str  # ISO, '' while it runs (or it was left running: the next start ends it)
    counters: Counters


@dataclass(frozen=True, slots=True)
class ShotTimes:
    """When each stage of one shot ended, as journaled (ISO times; '' or None: not yet)."""

    id: int
    tick: int
    captured_utc: str  # the frame's capture instant, 17 digits
    late_ms: float | None  # after the tick's slot in the schedule
    uploaded_at: str  # the upload's end
    upload_ms: float | None  # the upload's duration
    upload_tries: int
    attempts: int  # notification attempts made so far
    received_at: str  # the first callback the embedded webhook received for it


@dataclass(frozen=True)
class SessionTimes:
    session_id: int | None  # the newest session (None: the journal has none)
    fresh: bool  # a session other than the one asked about: the shots start over
    shots: list[ShotTimes]  # oldest first
    seq: int  # pass this to the next session_times


_TIMES_COLUMNS = (
    "s.id, s.tick, s.captured_utc, s.late_ms, s.uploaded_at, s.upload_ms, s.upload_tries,"
    " (SELECT COUNT(*) FROM attempts a WHERE a.shot_id = s.id AND a.resend_id IS NULL)"
    " AS attempts,"
    " (SELECT MIN(c.received_at) FROM callbacks c WHERE c.shot_id = s.id) AS received_at"
)

_SHOT_COLUMNS = (
    "s.id, s.seq, s.session_id, s.uid, s.object_key, s.captured_utc, s.code, s.msg, s.width,"
    " s.height, s.size, s.upload_state, s.upload_tries, s.upload_error, s.upload_location,"
    " s.uploaded_at, s.upload_ms, s.request_id, s.notify_state,"
    " EXISTS(SELECT 1 FROM thumbnails t WHERE t.shot_id = s.id) AS has_thumbnail"
)
_CALLBACK_COLUMNS = (
    "id, shot_id, seq, received_at, remote, request_id, object_key, delivery, answered,"
    " checksum_ok, verdict, code"
)


class TimelineReader:
    """Read-only view of the journal for the timeline. Safe to share between threads."""

    def __init__(self, journal_path: Path) -> None:
        self._folder = journal_path.parent  # spool paths are journaled relative to it
        self._conn = connect(journal_path, readonly=True)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def rows_since(self, seq: int, limit: int = DEFAULT_BATCH, query: Query | None = None) -> Batch:
        """Rows created or changed after `seq`, oldest change first, at most `limit`; with a
        `query`, only those it finds (its status group aside: a row leaving the group shown
        still comes, for the window to hide)."""
        where, params = _clauses(query.without_group() if query else None)
        with self._lock, _snapshot(self._conn) as conn:
            head = int(conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()[0])
            # A shot changed if its own row did or one of its callbacks did (a callback bumps
            # only its own seq: the webhook's journaling is lighter for it); each row once, at
            # its latest change.
            changed = conn.execute(
                "SELECT kind, id, MAX(seq) AS seq FROM ("
                "SELECT 'shot' AS kind, s.id AS id, s.seq AS seq FROM shots s"
                f" WHERE s.seq > ? AND {where[0]}"
                " UNION ALL SELECT 'shot', s.id, x.seq FROM (SELECT shot_id, seq FROM callbacks"
                f" WHERE seq > ? AND shot_id IS NOT NULL) x JOIN shots s ON s.id = x.shot_id"
                f" WHERE {where[0]}"
                " UNION ALL SELECT 'callback', c.id, c.seq FROM callbacks c"
                f" WHERE c.seq > ? AND {where[1]}) GROUP BY kind, id ORDER BY seq LIMIT ?",
                (seq, *params[0], seq, *params[0], seq, *params[1], limit),
            ).fetchall()
            shot_ids = [int(r["id"]) for r in changed if r["kind"] == "shot"]
            foreign_ids = [int(r["id"]) for r in changed if r["kind"] == "callback"]
            shots = {row.id: row for row in _shot_rows(conn, shot_ids)}
            foreign = {row.id: row for row in _foreign_rows(conn, foreign_ids)}
        rows = [
            shots[int(r["id"])] if r["kind"] == "shot" else foreign[int(r["id"])] for r in changed
        ]
        more = len(changed) == limit
        return Batch(rows, int(changed[-1]["seq"]) if more else max(head, seq), more)

    def newest(
        self, limit: int, group: StatusGroup | None = None, query: Query | None = None
    ) -> Batch:
        """The newest `limit` rows (by capture time, as the timeline orders them), oldest
        first, or the newest whose status is in `group`, or the newest `query` finds (in the
        whole journal); and the seq to go on from with `rows_since`: where a window that
        keeps only the newest rows starts, without reading the whole history. Shots are
        captured in id order, so the newest shots are the highest ids (the same for foreign
        callbacks)."""
        if query is None:
            query = Query(group=group)
        where, params = _clauses(query)
        with self._lock, _snapshot(self._conn) as conn:
            head = int(conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()[0])
            shot_ids = [
                int(r[0])
                for r in conn.execute(
                    f"SELECT id FROM shots s WHERE {where[0]} ORDER BY id DESC LIMIT ?",
                    (*params[0], limit),
                )
            ]
            foreign_ids = [
                int(r[0])
                for r in conn.execute(
                    f"SELECT id FROM callbacks c WHERE {where[1]} ORDER BY id DESC LIMIT ?",
                    (*params[1], limit),
                )
            ]
            rows = _shot_rows(conn, shot_ids) + _foreign_rows(conn, foreign_ids)
        if query.group is not None:
            rows = [row for row in rows if row.status.group is query.group]
        rows.sort(key=lambda row: (row.when, row.kind is RowKind.CALLBACK, row.id))
        return Batch(rows[-limit:] if limit else [], head, False)

    def matching(self, query: Query) -> int:
        """How many rows of the whole journal `query` finds."""
        where, params = _clauses(query)
        with self._lock, _snapshot(self._conn) as conn:
            shots = conn.execute(f"SELECT COUNT(*) FROM shots s WHERE {where[0]}", params[0])
            foreign = conn.execute(f"SELECT COUNT(*) FROM callbacks c WHERE {where[1]}", params[1])
            return int(shots.fetchone()[0]) + int(foreign.fetchone()[0])

    def sessions(self, limit: int = -1) -> list[SessionInfo]:
        """The newest `limit` sessions (-1: all), newest first, each with its own counters."""
        with self._lock, _snapshot(self._conn) as conn:
            rows = conn.execute(
                "SELECT id, started_at, stopped_at FROM sessions ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
            counted = {sid: _counters(conn, sid) for sid in (int(r["id"]) for r in rows)}
        return [
            SessionInfo(
                int(r["id"]), str(r["started_at"]), str(r["stopped_at"] or ""), counted[r["id"]]
            )
            for r in rows
        ]

    def session_times(self, session_id: int | None, seq: int, limit: int) -> SessionTimes:
        """The times of the newest session's shots changed after `seq`, the newest `limit` of
        them (by id: a window keeping the newest `limit` shots misses none it keeps), oldest
        first. When the newest session is not `session_id`, its shots from the start, `fresh`."""
        with self._lock, _snapshot(self._conn) as conn:
            head = int(conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()[0])
            newest = conn.execute("SELECT MAX(id) FROM sessions").fetchone()[0]
            fresh = newest != session_id
            since = 0 if fresh else seq
            rows = conn.execute(
                f"SELECT {_TIMES_COLUMNS} FROM shots s WHERE s.session_id = ? AND (s.seq > ?"
                " OR s.id IN (SELECT shot_id FROM callbacks WHERE seq > ?))"
                " ORDER BY s.id DESC LIMIT ?",
                (newest, since, since, limit),
            ).fetchall()
        shots = [_shot_times(r) for r in reversed(rows)]
        return SessionTimes(None if newest is None else int(newest), fresh, shots, head)

    def times_of_session(self, session_id: int) -> list[ShotTimes]:
        """The times of every shot of one session (any, not only the newest), oldest first:
        what the session report plots, with the same columns as `session_times`."""
        with self._lock, _snapshot(self._conn) as conn:
            rows = conn.execute(
                f"SELECT {_TIMES_COLUMNS} FROM shots s WHERE s.session_id = ? ORDER BY s.id",
                (session_id,),
            ).fetchall()
        return [_shot_times(r) for r in rows]

    def thumbnail(self, shot_id: int) -> bytes | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT i.jpeg FROM thumbnails t JOIN thumbnail_images i ON i.id = t.image_id"
                " WHERE t.shot_id = ?",
                (shot_id,),
            ).fetchone()
        return bytes(row[0]) if row else None

    def counters(self, session_id: int | None = None) -> Counters:
        """The counters of every row, or of one session's (its shots, and the foreign
        callbacks received while it ran)."""
        with self._lock, _snapshot(self._conn) as conn:
            return _counters(conn, session_id)

    def detail(self, row: TimelineRow) -> Detail:
        """Everything the detail pane shows about `row` (reads files: call it off the GUI)."""
        with self._lock, _snapshot(self._conn) as conn:
            if row.kind is RowKind.CALLBACK:
                raw = conn.execute(
                    "SELECT raw_body FROM callbacks WHERE id = ?", (row.id,)
                ).fetchone()
                text = str(raw[0]) if raw else ""
                addr = _session_url(conn, row.callbacks[0].received_at)
                body = _with_forwards(conn, (_received_body(row.callbacks[0], text, addr),))[0]
                traffic = tuple(exchanges_of_row(conn, callback_id=row.id))
                where = "no image: this callback matched no shot"
                return Detail(row, "", "", (body,), "", where, exchanges=traffic)
            shot = conn.execute(
                "SELECT payload_json, callback_url, spool_path FROM shots WHERE id = ?", (row.id,)
            ).fetchone()
            bodies = {
                int(r[0]): str(r[1])
                for r in conn.execute(
                    "SELECT id, raw_body FROM callbacks WHERE shot_id = ?", (row.id,)
                )
            }
            sent = {
                int(r[0]): str(r[1])
                for r in conn.execute("SELECT id, body FROM resends WHERE shot_id = ?", (row.id,))
            }
            traffic = tuple(exchanges_of_row(conn, shot_id=row.id))
            url = str(shot["callback_url"]) if shot else ""
            received = _with_forwards(
                conn, tuple(_received_body(c, bodies.get(c.id, ""), url) for c in row.callbacks)
            )
        stored = shot["spool_path"] if shot else None
        path, where = _image_place(row, spool_file(self._folder, stored) if stored else None)
        return Detail(
            row=row,
            payload_sent=_pretty(shot["payload_json"] or "") if shot else "",
            callback_url=str(shot["callback_url"]) if shot else "",
            received=received,
            image_path=path,
            image_where=where,
            resent=tuple((r, sent.get(r.id, "")) for r in row.resends),
            exchanges=traffic,
        )


def _with_forwards(
    conn: sqlite3.Connection, received: tuple[ReceivedBody, ...]
) -> tuple[ReceivedBody, ...]:
    """Each received body with its forward (the 'forwarded' exchange naming its callback)."""
    ids = [r.callback.id for r in received]
    if not ids:
        return received
    marks = ", ".join("?" * len(ids))
    found = {
        int(r[0]): Forwarding(str(r[1]), r[2], r[3], str(r[4]), bool(r[5]))
        for r in conn.execute(
            "SELECT callback_id, url, status, total_ms, error, relayed FROM exchanges"
            f" WHERE direction = 'forwarded' AND callback_id IN ({marks}) ORDER BY id",
            ids,
        )
    }
    return tuple(replace(r, forward=found.get(r.callback.id)) for r in received)


def _counters(conn: sqlite3.Connection, session_id: int | None) -> Counters:
    query = Query(session_id=session_id)
    where, params = _clauses(query)
    shots = conn.execute(
        f"SELECT COALESCE(SUM({states.COMPLETE.sql}), 0),"
        f" COALESCE(SUM({states.UPLOADED.sql}), 0),"
        f" COALESCE(SUM({states.DELIVERED.sql}), 0),"
        f" COALESCE(SUM({states.FAILED.sql}), 0),"
        f" COALESCE(SUM({states.PENDING.sql}), 0),"
        f" COUNT(*) FROM shots s WHERE {where[0]}",
        params[0],
    ).fetchone()
    if session_id is None:
        callbacks, foreign = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(shot_id IS NULL), 0) FROM callbacks"
        ).fetchone()
    else:
        callbacks = conn.execute(
            "SELECT COUNT(*) FROM callbacks c JOIN shots s ON s.id = c.shot_id"
            " WHERE s.session_id = ?",
            (session_id,),
        ).fetchone()[0]
        foreign = conn.execute(
            f"SELECT COUNT(*) FROM callbacks c WHERE {where[1]}", params[1]
        ).fetchone()[0]
        callbacks += foreign
    return Counters(
        shots=int(shots[0]),
        uploaded=int(shots[1]),
        notified=int(shots[2]),
        callbacks=int(callbacks),
        failures=int(shots[3]),
        pending=int(shots[4]),
        rows=int(shots[5]) + int(foreign),
    )


def _clauses(query: Query | None) -> tuple[tuple[str, str], tuple[list[object], list[object]]]:
    """The WHERE conditions over `shots s` and `callbacks c` (foreign ones) for `query`."""
    shots, shot_params = shot_clause(query or Query())
    foreign, foreign_params = foreign_clause(query or Query())
    return (shots, foreign), (shot_params, foreign_params)


class _snapshot:
    """One read transaction, so every query sees the same state of the journal."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self._conn.execute("BEGIN")
        return self._conn

    def __exit__(self, *_exc: object) -> None:
        self._conn.execute("COMMIT")


def _shot_rows(conn: sqlite3.Connection, ids: Sequence[int]) -> list[TimelineRow]:
    if not ids:
        return []
    marks = _marks(ids)
    attempts: dict[int, list[Attempt]] = {}
    again: dict[int, list[Attempt]] = {}  # each resend's, by its id
    for r in conn.execute(
        "SELECT shot_id, resend_id, attempt, at, status, ms, ok, error, body_excerpt"
        f" FROM attempts WHERE shot_id IN ({marks}) ORDER BY id",
        ids,
    ):
        into = attempts if r["resend_id"] is None else again
        into.setdefault(int(r["resend_id"] or r["shot_id"]), []).append(
            Attempt(
                int(r["attempt"]),
                str(r["at"]),
                r["status"],
                float(r["ms"]),
                bool(r["ok"]),
                str(r["error"]),
                str(r["body_excerpt"]),
            )
        )
    resends: dict[int, list[Resend]] = {}
    for r in conn.execute(
        "SELECT id, shot_id, at, url, request_id, note, delivered FROM resends"
        f" WHERE shot_id IN ({marks}) ORDER BY id",
        ids,
    ):
        delivered = r["delivered"]
        resends.setdefault(int(r["shot_id"]), []).append(
            Resend(
                int(r["id"]),
                str(r["at"]),
                str(r["url"]),
                str(r["request_id"]),
                str(r["note"]),
                None if delivered is None else bool(delivered),
                tuple(again.get(int(r["id"]), ())),
            )
        )
    callbacks: dict[int, list[Callback]] = {}
    for r in conn.execute(
        f"SELECT {_CALLBACK_COLUMNS} FROM callbacks WHERE shot_id IN ({marks}) ORDER BY id", ids
    ):
        callbacks.setdefault(int(r["shot_id"]), []).append(_callback(r))
    rows = conn.execute(f"SELECT {_SHOT_COLUMNS} FROM shots s WHERE s.id IN ({marks})", ids)
    return [
        replace(
            _shot_row(r, tuple(attempts.get(r["id"], ())), tuple(callbacks.get(r["id"], ()))),
            resends=tuple(resends.get(r["id"], ())),
        )
        for r in rows
    ]


def _shot_row(
    r: sqlite3.Row, attempts: tuple[Attempt, ...], callbacks: tuple[Callback, ...]
) -> TimelineRow:
    row = TimelineRow(
        kind=RowKind.SHOT,
        id=int(r["id"]),
        seq=int(r["seq"]),
        when=_captured(str(r["captured_utc"])),
        object_key=str(r["object_key"]),
        request_id=str(r["request_id"] or ""),
        code=int(r["code"]),
        msg=str(r["msg"]),
        status=Status.UPLOADING,
        summary="",
        session_id=int(r["session_id"]),
        uid=int(r["uid"]),
        width=int(r["width"]),
        height=int(r["height"]),
        size=int(r["size"]),
        has_thumbnail=bool(r["has_thumbnail"]),
        upload_state=UploadState(r["upload_state"]),
        upload_tries=int(r["upload_tries"]),
        upload_error=str(r["upload_error"]),
        upload_location=str(r["upload_location"]),
        uploaded_at=str(r["uploaded_at"] or ""),
        upload_ms=r["upload_ms"],
        notify_state=NotifyState(r["notify_state"]),
        attempts=attempts,
        callbacks=callbacks,
    )
    status, summary = shot_status(row)
    return _with_status(row, status, summary)


def _shot_times(r: sqlite3.Row) -> ShotTimes:
    return ShotTimes(
        id=int(r["id"]),
        tick=int(r["tick"]),
        captured_utc=str(r["captured_utc"]),
        late_ms=r["late_ms"],
        uploaded_at=str(r["uploaded_at"] or ""),
        upload_ms=r["upload_ms"],
        upload_tries=int(r["upload_tries"]),
        attempts=int(r["attempts"]),
        received_at=str(r["received_at"] or ""),
    )


def _with_status(row: TimelineRow, status: Status, summary: str) -> TimelineRow:
    return replace(row, status=status, summary=summary)


def shot_status(row: TimelineRow) -> tuple[Status, str]:
    """The status of a shot and the reason, in words (the first thing that went wrong).

    The tests go in the order of `states.FAILED`'s terms, then `states.OPEN`'s: the group of
    the status returned is the group `states.SHOT_GROUPS` files the shot under."""
    facts: ShotFacts = row
    if not states.COMPLETE.holds(facts):
        return Status.NO_SHOT, row.msg
    if states.CHECKSUM_BAD.holds(facts):
        bad = [c for c in row.callbacks if c.checksum_ok is False]
        return Status.MISMATCH, bad[-1].verdict
    if states.NOTIFY_FAILED.holds(facts):
        last = row.attempts[-1].error if row.attempts else ""
        return Status.FAILED, f"notification failed after {len(row.attempts)} attempts: {last}"
    if states.UPLOAD_OPEN.holds(facts):
        if row.upload_tries:
            return Status.RETRYING, f"upload try {row.upload_tries} failed: {row.upload_error}"
        return Status.UPLOADING, "waiting to be stored"
    if states.NOTIFY_OPEN.holds(facts):
        failed = [a for a in row.attempts if not a.ok]
        if failed:
            return Status.RETRYING, f"attempt {failed[-1].attempt} failed: {failed[-1].error}"
        return Status.NOTIFYING, "notification on its way"
    verified = [c for c in row.callbacks if c.checksum_ok]
    if verified:
        return Status.VERIFIED, verified[-1].verdict
    return Status.DELIVERED, "delivered; no callback reached the embedded webhook"


def _foreign_rows(conn: sqlite3.Connection, ids: Sequence[int]) -> list[TimelineRow]:
    if not ids:
        return []
    rows = conn.execute(
        f"SELECT {_CALLBACK_COLUMNS} FROM callbacks WHERE id IN ({_marks(ids)})", ids
    ).fetchall()
    out = []
    for r in rows:
        callback = _callback(r)
        out.append(
            TimelineRow(
                kind=RowKind.CALLBACK,
                id=callback.id,
                seq=int(r["seq"]),
                when=_received(callback.received_at),
                object_key=callback.object_key,
                request_id=callback.request_id,
                code=callback.code,
                msg="",
                status=Status.REJECTED if callback.checksum_ok is None else Status.FOREIGN,
                summary=_foreign_summary(callback),
                callbacks=(callback,),
            )
        )
    return out


def _foreign_summary(callback: Callback) -> str:
    """A row that is no shot's, in words: a request the webhook refused (its verdict says
    why: 404, 405, 413, a malformed body), or a callback about no shot of ours."""
    if callback.checksum_ok is None:
        return callback.verdict
    return f"matches no shot of ours; {callback.verdict}"


def _callback(r: sqlite3.Row) -> Callback:
    ok = r["checksum_ok"]
    return Callback(
        id=int(r["id"]),
        received_at=str(r["received_at"]),
        remote=str(r["remote"]),
        request_id=str(r["request_id"] or ""),
        object_key=str(r["object_key"] or ""),
        delivery=int(r["delivery"]),
        answered=int(r["answered"]),
        checksum_ok=None if ok is None else bool(ok),
        verdict=str(r["verdict"]),
        code=r["code"],
    )


VERIFIED_WITH = "checksum verified with callbackAddr "  # the receiver's verdict, as journaled


def _received_body(callback: Callback, raw: str, callback_url: str) -> ReceivedBody:
    """A body with its checksum explained against the address it was verified with (the
    verdict names it), else the callback URL the shot was sent with."""
    verified = callback.verdict.startswith(VERIFIED_WITH)
    addr = callback.verdict.removeprefix(VERIFIED_WITH) if verified else callback_url
    return ReceivedBody(callback, _pretty(raw), explain_body(addr, raw))


def _session_url(conn: sqlite3.Connection, received_at: str) -> str:
    """The callback URL of the session running when a foreign callback came (else the newest
    one's): the address its sender most likely hashed."""
    row = conn.execute(
        "SELECT callback_url FROM sessions ORDER BY started_at <= ? DESC, id DESC LIMIT 1",
        (received_at,),
    ).fetchone()
    return str(row[0]) if row else ""


def _image_place(row: TimelineRow, spool_path: str | None) -> tuple[str, str]:
    if row.code != CODE_COMPLETE:
        return "", "no image: no screenshot was taken in this interval"
    for candidate in (spool_path, row.upload_location):
        if candidate and "://" not in candidate and Path(candidate).is_file():
            return candidate, ""
    if row.upload_location:
        return "", f"not kept on this machine; stored at {row.upload_location}"
    return "", "not on this machine any more, and not stored yet"


def _pretty(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def _marks(ids: Iterable[int]) -> str:
    return ",".join("?" for _ in ids)


def _captured(digits: str) -> datetime:
    try:
        return parse_utc_digits(digits)
    except ValueError:
        return datetime.fromtimestamp(0, UTC)


def _received(text: str) -> datetime:
    try:
        return parse_iso(text)
    except ValueError:
        return datetime.fromtimestamp(0, UTC)
