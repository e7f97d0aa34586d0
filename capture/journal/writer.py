"""The journal's writers: every session, shot, upload, notification attempt and received
callback, in SQLite on disk (WAL mode, so a kill -9 loses nothing already committed).

Writers (the engine's threads) share one `Journal`; each call is one short transaction. Readers
(the window's timeline) open their own `TimelineReader` connection. Every row change bumps a
global `seq`, so a reader asks only for what changed since the last `seq` it saw. A callback
bumps only its own row's: a reader takes a shot whose callback has a newer seq as changed
(updating the shot's row too cost the webhook an eighth of its journaling). The shot states
are in `states`, the records handed in and out in `records`, the schema in `schema`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from capture.events import utc_now
from capture.journal import states
from capture.journal.exchanges import INSERT_EXCHANGE, exchange_row
from capture.journal.records import (
    AbandonedSession,
    CallbackRecord,
    Exchange,
    IncomingCallback,
    NewShot,
    OpenShot,
    PendingNotification,
    PruneCounts,
    Pruned,
    SentNotification,
    spool_file,
    stored_spool_path,
)
from capture.journal.schema import connect, upgrade
from capture.journal.states import NotifyState, UploadState
from capture.spec.naming import iso, parse_utc_digits
from capture.spec.payload import CODE_INCOMPLETE

__all__ = [  # the records and `connect` are part of the writers' API
    "EXCERPT_KEEP",
    "RAW_BODY_KEEP",
    "AbandonedSession",
    "CallbackRecord",
    "Exchange",
    "IncomingCallback",
    "Journal",
    "NewShot",
    "OpenShot",
    "PendingNotification",
    "Pruned",
    "SentNotification",
    "connect",
]

RAW_BODY_KEEP = 16 * 1024  # bytes of each received body kept in the journal
EXCERPT_KEEP = 300  # characters of each webhook answer kept per attempt


class Journal:
    """The writers' handle. Thread-safe: one connection, one lock, short transactions."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.folder = path.parent  # spool paths are journaled relative to it
        self._lock = threading.Lock()
        self._conn = connect(path)
        try:
            upgrade(self._conn, path)
        except BaseException:
            self._conn.close()
            raise

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    @staticmethod
    def _next_seq(cur: sqlite3.Cursor) -> int:
        row = cur.execute(
            "UPDATE meta SET value = value + 1 WHERE key = 'seq' RETURNING value"
        ).fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- sessions ---------------------------------------------------------------------------

    def start_session(
        self, *, source: str, storage: str, callback_url: str, settings: dict[str, Any]
    ) -> int:
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO sessions(started_at, source, storage, callback_url, settings_json)"
                " VALUES (?, ?, ?, ?, ?)",
                (iso(utc_now()), source, storage, callback_url, json.dumps(settings)),
            )
            return int(cur.lastrowid or 0)

    def stop_session(self, session_id: int) -> None:
        with self._tx() as cur:
            cur.execute(
                "UPDATE sessions SET stopped_at = ? WHERE id = ?", (iso(utc_now()), session_id)
            )

    def close_abandoned_sessions(self, current_id: int) -> list[AbandonedSession]:
        """Sessions other than `current_id` left without a stop time: give each its last
        journaled activity as stop time, and return them so the start can say so."""
        with self._tx() as cur:
            rows = cur.execute(
                "SELECT id, started_at FROM sessions WHERE stopped_at IS NULL AND id != ?",
                (current_id,),
            ).fetchall()
            found = []
            for row in rows:
                last = _last_activity(cur, int(row["id"])) or str(row["started_at"])
                unfinished = cur.execute(
                    f"SELECT COUNT(*) FROM shots s WHERE s.session_id = ? AND {states.OPEN.sql}",
                    (row["id"],),
                ).fetchone()[0]
                cur.execute("UPDATE sessions SET stopped_at = ? WHERE id = ?", (last, row["id"]))
                found.append(AbandonedSession(row["id"], row["started_at"], last, unfinished))
        return found

    # -- shots and uploads ------------------------------------------------------------------

    def add_shot(self, shot: NewShot) -> int:
        upload_state = UploadState.PENDING if shot.spool_path else UploadState.NONE
        with self._tx() as cur:
            seq = self._next_seq(cur)
            cur.execute(
                "INSERT INTO shots(session_id, tick, sid, uid, channel, object_key, captured_utc,"
                " code, msg, width, height, size, spool_path, upload_state, notify_state, seq,"
                " late_ms, md5) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    shot.session_id,
                    shot.tick,
                    shot.sid,
                    shot.uid,
                    shot.channel,
                    shot.object_key,
                    shot.captured_utc,
                    shot.code,
                    shot.msg,
                    shot.width,
                    shot.height,
                    shot.size,
                    shot.spool_path and stored_spool_path(self.folder, shot.spool_path),
                    upload_state,
                    NotifyState.WAITING,
                    seq,
                    shot.late_ms,
                    shot.md5,
                ),
            )
            shot_id = int(cur.lastrowid or 0)
            if shot.thumbnail:
                _show_thumbnail(cur, shot_id, _thumbnail_image(cur, shot.thumbnail))
            return shot_id

    def upload_failed(self, shot_id: int, error: str) -> None:
        with self._tx() as cur:
            cur.execute(
                "UPDATE shots SET upload_tries = upload_tries + 1, upload_error = ?, seq = ?"
                " WHERE id = ?",
                (error, self._next_seq(cur), shot_id),
            )

    def add_thumbnail(self, shot_ids: Sequence[int], jpeg: bytes) -> None:
        """The timeline thumbnail of shots already journaled (one frame may make several
        users' shots). Each shot's seq moves on, so a reader that has already seen the shot
        sees it again, now with its thumbnail."""
        if not shot_ids:
            return
        with self._tx() as cur:
            image_id = _thumbnail_image(cur, jpeg)
            for shot_id in shot_ids:
                _show_thumbnail(cur, shot_id, image_id)
                cur.execute("UPDATE shots SET seq = ? WHERE id = ?", (self._next_seq(cur), shot_id))

    def upload_succeeded(
        self,
        shot_id: int,
        location: str,
        ms: float,
        notification: PendingNotification | None = None,
    ) -> None:
        """The shot is in storage; with `notification`, its notification is journaled as
        being sent in the same transaction (one commit instead of two on the shot's way)."""
        with self._tx() as cur:
            seq = self._next_seq(cur)
            cur.execute(
                "UPDATE shots SET upload_state = ?, upload_tries = upload_tries + 1,"
                " upload_location = ?, uploaded_at = ?, upload_ms = ?, seq = ? WHERE id = ?",
                (UploadState.UPLOADED, location, iso(utc_now()), ms, seq, shot_id),
            )
            if notification is not None:
                _notification_created(cur, shot_id, notification, seq)

    def upload_lost(self, shot_id: int, why: str) -> None:
        """The shot can never be uploaded (its spool file is gone): it becomes a 206 shot."""
        with self._tx() as cur:
            cur.execute(
                "UPDATE shots SET upload_state = ?, code = ?, msg = ?, upload_error = ?,"
                " spool_path = NULL, seq = ? WHERE id = ?",
                (UploadState.LOST, CODE_INCOMPLETE, why, why, self._next_seq(cur), shot_id),
            )

    def forget_spool(self, shot_id: int) -> None:
        with self._lock:
            self._conn.execute("UPDATE shots SET spool_path = NULL WHERE id = ?", (shot_id,))

    # -- notifications ----------------------------------------------------------------------

    def notification_created(
        self, shot_id: int, request_id: str, payload_json: str, callback_url: str
    ) -> None:
        pending = PendingNotification(request_id, payload_json, callback_url)
        with self._tx() as cur:
            _notification_created(cur, shot_id, pending, self._next_seq(cur))

    def add_attempt(
        self,
        shot_id: int,
        request_id: str,
        attempt: int,
        *,
        status: int | None,
        ms: float,
        ok: bool,
        error: str,
        body_excerpt: str,
        resend_id: int | None = None,
        exchange: Exchange | None = None,
    ) -> None:
        """Record a notification attempt, and with `exchange` the request it sent and the
        answer it got (linked to the attempt and its shot), in one transaction."""
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO attempts(shot_id, request_id, attempt, at, status, ms, ok, error,"
                " body_excerpt, resend_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    shot_id,
                    request_id,
                    attempt,
                    iso(utc_now()),
                    status,
                    ms,
                    int(ok),
                    error,
                    body_excerpt[:EXCERPT_KEEP],
                    resend_id,
                ),
            )
            attempt_id = int(cur.lastrowid or 0)
            shot = cur.execute(
                "UPDATE shots SET seq = ? WHERE id = ? RETURNING object_key",
                (self._next_seq(cur), shot_id),
            ).fetchone()
            if exchange is not None:  # correlated as a received one is: shot, requestId, key
                linked = exchange._replace(
                    shot_id=shot_id,
                    request_id=request_id,
                    object_key=str(shot[0]) if shot else None,
                    attempt_id=attempt_id,
                )
                cur.execute(INSERT_EXCHANGE, exchange_row(linked))

    def notify_finished(self, shot_id: int, delivered: bool) -> None:
        with self._tx() as cur:
            cur.execute(
                "UPDATE shots SET notify_state = ?, seq = ? WHERE id = ?",
                (
                    NotifyState.DELIVERED if delivered else NotifyState.FAILED,
                    self._next_seq(cur),
                    shot_id,
                ),
            )

    # -- resends ----------------------------------------------------------------------------

    def sent_notification(self, request_id: str) -> SentNotification | None:
        """The notification a shot sent with `request_id` (the pipeline's, or a resend's new
        one), or None when the journal has none."""
        with self._lock:
            row = self._conn.execute(
                "SELECT s.id, s.sid, s.object_key, s.code, s.request_id, s.payload_json,"
                " s.callback_url FROM shots s WHERE s.request_id = ?1 AND s.payload_json"
                " IS NOT NULL UNION ALL SELECT s.id, s.sid, s.object_key, s.code, r.request_id,"
                " r.body, r.url FROM resends r JOIN shots s ON s.id = r.shot_id"
                " WHERE r.request_id = ?1 ORDER BY 1 LIMIT 1",
                (request_id,),
            ).fetchone()
        if row is None:
            return None
        return SentNotification(
            int(row[0]), str(row[1]), str(row[2]), int(row[3]), str(row[4]), str(row[5]),
            str(row[6]),
        )  # fmt: skip

    def add_resend(self, shot_id: int, *, url: str, request_id: str, body: str, note: str) -> int:
        """A resend about to be made; its id, for its attempts."""
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO resends(shot_id, at, url, request_id, body, note)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (shot_id, iso(utc_now()), url, request_id, body, note),
            )
            resend_id = int(cur.lastrowid or 0)
            cur.execute("UPDATE shots SET seq = ? WHERE id = ?", (self._next_seq(cur), shot_id))
            return resend_id

    def resend_finished(self, resend_id: int, delivered: bool) -> None:
        with self._tx() as cur:
            row = cur.execute(
                "UPDATE resends SET delivered = ? WHERE id = ? RETURNING shot_id",
                (int(delivered), resend_id),
            ).fetchone()
            if row is not None:
                cur.execute("UPDATE shots SET seq = ? WHERE id = ?", (self._next_seq(cur), row[0]))

    def open_shots(self) -> list[OpenShot]:
        """Shots not yet uploaded, or uploaded but not yet notified, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, object_key, sid, uid, channel, captured_utc, code, msg, spool_path,"
                " upload_state, notify_state, request_id, payload_json, callback_url FROM shots s"
                f" WHERE {states.OPEN.sql} ORDER BY id"
            ).fetchall()
        return [_open_shot(row, self.folder) for row in rows]

    def prune(self, before: datetime) -> Pruned:
        """Forget the sessions that ended before `before` and everything about their shots
        (attempts, callbacks, thumbnails), and callbacks that matched no shot received before
        it. A session with a shot still waiting to upload or notify is kept whole, however
        old: retention never costs a shot. Returns what went, with the spool files that
        belonged to the forgotten shots, for the caller to delete."""
        cutoff = iso(before)
        with self._tx() as cur:
            old = _prunable(cur, cutoff)
            shots = _in("session_id", old)
            files = [
                spool_file(self.folder, str(r[0]))
                for r in cur.execute(
                    f"SELECT spool_path FROM shots WHERE spool_path IS NOT NULL AND {shots}", old
                )
            ]
            of_shots = f"shot_id IN (SELECT id FROM shots WHERE {shots})"
            cur.execute(f"DELETE FROM exchanges WHERE {of_shots}", old)
            cur.execute("DELETE FROM exchanges WHERE shot_id IS NULL AND at < ?", (cutoff,))
            cur.execute(f"DELETE FROM attempts WHERE {of_shots}", old)
            cur.execute(f"DELETE FROM resends WHERE {of_shots}", old)
            callbacks = cur.execute(f"DELETE FROM callbacks WHERE {of_shots}", old).rowcount
            cur.execute(f"DELETE FROM thumbnails WHERE {of_shots}", old)
            shot_count = cur.execute(f"DELETE FROM shots WHERE {shots}", old).rowcount
            cur.execute(f"DELETE FROM sessions WHERE {_in('id', old)}", old)
            callbacks += cur.execute(
                "DELETE FROM callbacks WHERE shot_id IS NULL AND received_at < ?", (cutoff,)
            ).rowcount
            cur.execute(
                "DELETE FROM thumbnail_images WHERE NOT EXISTS"
                " (SELECT 1 FROM thumbnails t WHERE t.image_id = thumbnail_images.id)"
            )
        return Pruned(len(old), shot_count, callbacks, tuple(files))

    def prune_counts(self, before: datetime) -> PruneCounts:
        """What `prune(before)` would take and leave, counted in the timeline's rows."""
        cutoff = iso(before)
        with self._tx() as cur:
            old = _prunable(cur, cutoff)
            going = cur.execute(f"SELECT COUNT(*) FROM shots WHERE {_in('session_id', old)}", old)
            shots = int(going.fetchone()[0])
            foreign = cur.execute(
                "SELECT COUNT(*) FROM callbacks WHERE shot_id IS NULL AND received_at < ?",
                (cutoff,),
            ).fetchone()[0]
            total = cur.execute(
                "SELECT (SELECT COUNT(*) FROM shots)"
                " + (SELECT COUNT(*) FROM callbacks WHERE shot_id IS NULL)"
            ).fetchone()[0]
            waiting = cur.execute(f"SELECT COUNT(*) FROM shots s WHERE {states.OPEN.sql}")
            waiting_count = int(waiting.fetchone()[0])
        gone = shots + int(foreign)
        return PruneCounts(gone, int(total) - gone, waiting_count)

    def pending_spool_bytes(self) -> int:
        with self._lock:
            row = self._conn.execute(
                f"SELECT COALESCE(SUM(s.size), 0) FROM shots s WHERE {states.UPLOAD_OPEN.sql}"
            ).fetchone()
        return int(row[0])

    def spool_paths(self) -> set[str]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT spool_path FROM shots WHERE spool_path IS NOT NULL"
            ).fetchall()
        return {spool_file(self.folder, str(row[0])) for row in rows}

    def uploaded_spool_files(self) -> list[tuple[int, str, int]]:
        """(shot id, spool path, size) of uploaded shots still in the spool, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, spool_path, size FROM shots s"
                f" WHERE spool_path IS NOT NULL AND {states.UPLOADED.sql} ORDER BY id"
            ).fetchall()
        return [(int(r[0]), spool_file(self.folder, str(r[1])), int(r[2])) for r in rows]

    # -- callbacks --------------------------------------------------------------------------

    def add_callback(
        self,
        *,
        remote: str,
        request_id: str | None,
        object_key: str | None,
        answered: int,
        checksum_ok: bool | None,
        verdict: str,
        code: int | None,
        raw_body: bytes,
    ) -> CallbackRecord:
        """Record a received callback, correlated with its shot by requestId (else object key)."""
        incoming = IncomingCallback(
            remote, request_id, object_key, answered, checksum_ok, verdict, code, raw_body
        )
        return self.add_callbacks([incoming])[0]

    def callback_answered(self, callback_id: int, answered: int) -> None:
        """What a callback journaled before its answer was sent (a tester's delay) was in the
        end answered: the status sent, or receiver.answers' DROPPED or SENDER_GONE."""
        with self._tx() as cur:
            cur.execute(
                "UPDATE callbacks SET answered = ?, seq = ? WHERE id = ?",
                (answered, self._next_seq(cur), callback_id),
            )

    def add_exchanges(self, exchanges: Sequence[Exchange]) -> None:
        """Record HTTP exchanges already correlated (the webhook's, after it answered)."""
        if exchanges:
            with self._tx() as cur:
                cur.executemany(INSERT_EXCHANGE, [exchange_row(e) for e in exchanges])

    def add_callbacks(self, callbacks: Sequence[IncomingCallback]) -> list[CallbackRecord]:
        """Record several received callbacks in one transaction (a group commit), in order.

        For two or more, statements per batch rather than per callback: one query finds the
        shots and earlier deliveries of every requestId, one `executemany` inserts the rows
        (ids given here: this is the only writer inside its transaction)."""
        if not callbacks:
            return []
        received_at = iso(utc_now())
        if len(callbacks) == 1:  # a lone callback: fewer statements this way
            with self._tx() as cur:
                seq = self._next_seq(cur)
                return [_insert_callback(cur, callbacks[0], received_at, seq)]
        wanted = list({c.request_id for c in callbacks if c.request_id})
        with self._tx() as cur:
            last_seq = cur.execute(
                "UPDATE meta SET value = value + ? WHERE key = 'seq' RETURNING value",
                (len(callbacks),),
            ).fetchone()[0]
            first_seq = int(last_seq) - len(callbacks) + 1
            first_id = int(cur.execute("SELECT COALESCE(MAX(id), 0) FROM callbacks").fetchone()[0])
            shots, deliveries = _correlate(cur, wanted)
            rows: list[tuple[object, ...]] = []
            records: list[CallbackRecord] = []
            for i, callback in enumerate(callbacks):
                request_id, seq = callback.request_id, first_seq + i
                shot_id, delivery = None, 1
                if request_id:
                    shot_id = shots.get(request_id)
                    delivery = deliveries[request_id] = deliveries.get(request_id, 0) + 1
                if shot_id is None and callback.object_key:
                    shot_id = _shot_by_key(cur, callback.object_key)
                row = _callback_row(first_id + 1 + i, callback, received_at, shot_id)
                rows.append((*row, delivery, seq))
                records.append(CallbackRecord(first_id + 1 + i, shot_id, delivery))
            cur.executemany(INSERT_CALLBACK, rows)
        return records


def _notification_created(
    cur: sqlite3.Cursor, shot_id: int, notification: PendingNotification, seq: int
) -> None:
    cur.execute(
        "UPDATE shots SET request_id = ?, payload_json = ?, callback_url = ?,"
        " notify_state = ?, seq = ? WHERE id = ?",
        (
            notification.request_id,
            notification.payload_json,
            notification.callback_url,
            NotifyState.SENDING,
            seq,
            shot_id,
        ),
    )


def _prunable(cur: sqlite3.Cursor, cutoff: str) -> list[int]:
    """The sessions that ended before `cutoff` with no shot still waiting (retention never
    costs a shot: a session holding one is kept whole)."""
    return [
        int(r[0])
        for r in cur.execute(
            "SELECT id FROM sessions WHERE stopped_at IS NOT NULL AND stopped_at < ?"
            f" AND NOT EXISTS(SELECT 1 FROM shots s WHERE s.session_id = sessions.id"
            f" AND {states.OPEN.sql})",
            (cutoff,),
        )
    ]


def _in(column: str, values: Sequence[object]) -> str:
    """`column IN (?, ?, ...)` for `values` (false for none)."""
    return f"{column} IN ({', '.join('?' * len(values))})" if values else "0"


def _thumbnail_image(cur: sqlite3.Cursor, jpeg: bytes) -> int:
    """The id of this picture among the thumbnails, stored now if it is new (each distinct
    JPEG once: a round's users share one)."""
    digest = hashlib.sha256(jpeg).hexdigest()
    cur.execute(
        "INSERT OR IGNORE INTO thumbnail_images(digest, jpeg) VALUES (?, ?)", (digest, jpeg)
    )
    row = cur.execute("SELECT id FROM thumbnail_images WHERE digest = ?", (digest,)).fetchone()
    return int(row[0])


def _show_thumbnail(cur: sqlite3.Cursor, shot_id: int, image_id: int) -> None:
    cur.execute(
        "INSERT OR REPLACE INTO thumbnails(shot_id, image_id) VALUES (?, ?)", (shot_id, image_id)
    )


def _open_shot(row: sqlite3.Row, folder: Path) -> OpenShot:
    fields = dict(row)
    if fields["spool_path"]:
        fields["spool_path"] = spool_file(folder, fields["spool_path"])
    fields["upload_state"] = UploadState(fields["upload_state"])
    fields["notify_state"] = NotifyState(fields["notify_state"])
    return OpenShot(**fields)


def _correlate(
    cur: sqlite3.Cursor, request_ids: list[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """For these requestIds: the shot each names, and how many callbacks each already has."""
    if not request_ids:
        return {}, {}
    marks = ", ".join("?" * len(request_ids))
    shots = cur.execute(
        f"SELECT request_id, MIN(id) FROM shots WHERE request_id IN ({marks}) GROUP BY request_id",
        request_ids,
    ).fetchall()
    counts = cur.execute(
        f"SELECT request_id, COUNT(*) FROM callbacks WHERE request_id IN ({marks})"
        " GROUP BY request_id",
        request_ids,
    ).fetchall()
    return {r[0]: int(r[1]) for r in shots}, {r[0]: int(r[1]) for r in counts}


INSERT_CALLBACK = (
    "INSERT INTO callbacks(id, received_at, remote, request_id, object_key, shot_id,"
    " answered, checksum_ok, verdict, code, raw_body, body_size, delivery, seq)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)  # the values: `_callback_row` + (delivery, seq); an id of None lets SQLite choose it


def _callback_row(
    callback_id: int | None, callback: IncomingCallback, received_at: str, shot_id: int | None
) -> tuple[object, ...]:
    checksum_ok = callback.checksum_ok
    return (
        callback_id,
        received_at,
        callback.remote,
        callback.request_id,
        callback.object_key,
        shot_id,
        callback.answered,
        None if checksum_ok is None else int(checksum_ok),
        callback.verdict,
        callback.code,
        callback.raw_body[:RAW_BODY_KEEP].decode("utf-8", errors="replace"),
        len(callback.raw_body),
    )


def _last_activity(cur: sqlite3.Cursor, session_id: int) -> str:
    """ISO time of the latest capture, upload or notification attempt of a session."""
    row = cur.execute(
        "SELECT MAX(captured_utc) AS captured, MAX(uploaded_at) AS uploaded FROM shots"
        " WHERE session_id = ?",
        (session_id,),
    ).fetchone()
    attempt = cur.execute(
        "SELECT MAX(a.at) FROM attempts a JOIN shots s ON s.id = a.shot_id WHERE s.session_id = ?",
        (session_id,),
    ).fetchone()[0]
    times = [str(t) for t in (row["uploaded"], attempt) if t]
    if row["captured"]:
        times.append(iso(parse_utc_digits(str(row["captured"]))))
    return max(times, default="")


def _insert_callback(
    cur: sqlite3.Cursor, callback: IncomingCallback, received_at: str, seq: int
) -> CallbackRecord:
    request_id = callback.request_id
    shot_id, delivery = None, 1
    if request_id:
        row = cur.execute(
            "SELECT (SELECT id FROM shots WHERE request_id = ?1),"
            " (SELECT COUNT(*) FROM callbacks WHERE request_id = ?1)",
            (request_id,),
        ).fetchone()
        shot_id, delivery = row[0], int(row[1]) + 1
    if shot_id is None and callback.object_key:
        shot_id = _shot_by_key(cur, callback.object_key)
    values = (*_callback_row(None, callback, received_at, shot_id), delivery, seq)
    cur.execute(INSERT_CALLBACK, values)
    callback_id = int(cur.lastrowid or 0)
    return CallbackRecord(callback_id, shot_id, delivery)


def _shot_by_key(cur: sqlite3.Cursor, object_key: str) -> int | None:
    row = cur.execute(
        "SELECT id FROM shots WHERE object_key = ? ORDER BY id DESC LIMIT 1", (object_key,)
    ).fetchone()
    return int(row[0]) if row else None
