"""The journal on disk: WAL, rows correlated by requestId and object key, a global `seq`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from capture.journal.reader import TimelineReader
from capture.journal.writer import EXCERPT_KEEP, RAW_BODY_KEEP, Journal, NewShot, connect

SID = "0123456789abcdef0123456789abcdef"
KEY = f"20240102/{SID}_room__uid_s_7__uid_e_video_20240102030405006.jpg"
REQUEST_ID = f"{SID}_1704164645_{'a' * 32}"


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "journal.sqlite3"


@pytest.fixture
def journal(journal_path: Path) -> Iterator[Journal]:
    journal = Journal(journal_path)
    yield journal
    journal.close()


def rows(path: Path, sql: str, *params: object) -> list[dict[str, Any]]:
    """Read through a separate read-only connection, as the window's timeline does."""
    conn = connect(path, readonly=True)
    try:
        return [dict(row) for row in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()


def seq(path: Path) -> int:
    return int(rows(path, "SELECT value FROM meta WHERE key = 'seq'")[0]["value"])


def new_session(journal: Journal) -> int:
    return journal.start_session(
        source="test pattern", storage="local folder", callback_url="http://x/cb", settings={}
    )


def shot(session_id: int, key: str = KEY, *, spooled: bool = True, tick: int = 0) -> NewShot:
    return NewShot(
        session_id=session_id,
        tick=tick,
        sid=SID,
        uid=7,
        channel="room",
        object_key=key,
        captured_utc="20240102030405006",
        code=200,
        msg="Supervise complete",
        width=1280,
        height=720,
        size=1000,
        spool_path="/spool/x.jpg" if spooled else None,
        thumbnail=b"\xff\xd8thumb" if spooled else None,
    )


def callback(journal: Journal, request_id: str | None, key: str | None, body: bytes = b"{}") -> Any:
    return journal.add_callback(
        remote="127.0.0.1",
        request_id=request_id,
        object_key=key,
        answered=200,
        checksum_ok=True,
        verdict="checksum verified",
        code=200,
        raw_body=body,
    )


def test_journal_is_a_wal_sqlite_file_on_disk(journal: Journal, journal_path: Path) -> None:
    new_session(journal)
    assert journal_path.is_file()
    conn = sqlite3.connect(journal_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()
    assert journal_path.with_name(journal_path.name + "-wal").exists()


def test_a_shot_its_attempts_and_its_callback_are_correlated(
    journal: Journal, journal_path: Path
) -> None:
    session_id = new_session(journal)
    shot_id = journal.add_shot(shot(session_id))
    journal.upload_succeeded(shot_id, "s3://b/" + KEY, 12.5)
    journal.notification_created(shot_id, REQUEST_ID, '{"requestId": "..."}', "http://x/cb")
    journal.add_attempt(
        shot_id, REQUEST_ID, 1, status=500, ms=3.0, ok=False, error="status 500", body_excerpt="no"
    )
    journal.add_attempt(
        shot_id, REQUEST_ID, 2, status=200, ms=2.0, ok=True, error="", body_excerpt="{}"
    )
    journal.notify_finished(shot_id, delivered=True)
    record = callback(journal, REQUEST_ID, KEY)

    assert record.shot_id == shot_id
    [row] = rows(journal_path, "SELECT * FROM shots")
    assert row["session_id"] == session_id
    assert row["request_id"] == REQUEST_ID
    assert row["object_key"] == KEY
    assert (row["upload_state"], row["notify_state"]) == ("uploaded", "delivered")
    assert row["upload_location"] == "s3://b/" + KEY
    attempts = rows(journal_path, "SELECT * FROM attempts ORDER BY attempt")
    assert [(a["shot_id"], a["request_id"], a["attempt"]) for a in attempts] == [
        (shot_id, REQUEST_ID, 1),
        (shot_id, REQUEST_ID, 2),
    ]
    assert [(a["status"], a["ok"], a["error"]) for a in attempts] == [
        (500, 0, "status 500"),
        (200, 1, ""),
    ]
    [cb] = rows(journal_path, "SELECT * FROM callbacks")
    assert (cb["shot_id"], cb["request_id"], cb["object_key"]) == (shot_id, REQUEST_ID, KEY)
    assert (cb["checksum_ok"], cb["answered"], cb["delivery"]) == (1, 200, 1)
    thumb = rows(
        journal_path,
        "SELECT i.jpeg FROM thumbnails t JOIN thumbnail_images i ON i.id = t.image_id"
        " WHERE t.shot_id = ?",
        shot_id,
    )
    assert thumb == [{"jpeg": b"\xff\xd8thumb"}]


def test_a_callback_with_an_unknown_request_id_is_correlated_by_object_key(
    journal: Journal,
) -> None:
    shot_id = journal.add_shot(shot(new_session(journal)))
    assert callback(journal, f"{SID}_1_{'b' * 32}", KEY).shot_id == shot_id
    assert callback(journal, None, KEY).shot_id == shot_id


def test_a_callback_matching_no_shot_is_kept_with_a_null_shot(
    journal: Journal, journal_path: Path
) -> None:
    journal.add_shot(shot(new_session(journal)))
    record = callback(journal, f"{SID}_1_{'c' * 32}", "other/key.jpg")
    assert record.shot_id is None
    orphan = callback(journal, None, None, b"not json")
    assert orphan.shot_id is None
    stored = rows(journal_path, "SELECT shot_id, raw_body FROM callbacks ORDER BY id")
    assert stored == [
        {"shot_id": None, "raw_body": "{}"},
        {"shot_id": None, "raw_body": "not json"},
    ]


def test_repeated_request_ids_count_deliveries(journal: Journal, journal_path: Path) -> None:
    journal.add_shot(shot(new_session(journal)))
    deliveries = [callback(journal, REQUEST_ID, KEY).delivery for _ in range(3)]
    assert deliveries == [1, 2, 3]
    other = callback(journal, f"{SID}_2_{'d' * 32}", KEY)
    assert other.delivery == 1
    stored = rows(journal_path, "SELECT delivery FROM callbacks WHERE request_id = ?", REQUEST_ID)
    assert [r["delivery"] for r in stored] == [1, 2, 3]


def test_raw_body_kept_is_bounded_but_its_size_is_recorded(
    journal: Journal, journal_path: Path
) -> None:
    body = b"x" * (RAW_BODY_KEEP * 2 + 5)
    callback(journal, None, None, body)
    [row] = rows(journal_path, "SELECT raw_body, body_size FROM callbacks")
    assert row["raw_body"] == "x" * RAW_BODY_KEEP
    assert row["body_size"] == len(body)


def test_attempt_excerpt_is_bounded(journal: Journal, journal_path: Path) -> None:
    shot_id = journal.add_shot(shot(new_session(journal)))
    journal.add_attempt(
        shot_id, REQUEST_ID, 1, status=200, ms=1.0, ok=True, error="", body_excerpt="y" * 5000
    )
    [row] = rows(journal_path, "SELECT body_excerpt FROM attempts")
    assert row["body_excerpt"] == "y" * EXCERPT_KEEP


def test_seq_increases_on_every_change_and_marks_the_changed_row(
    journal: Journal, journal_path: Path
) -> None:
    session_id = new_session(journal)
    seen = [seq(journal_path)]

    def changed(shot_id: int) -> None:
        now = seq(journal_path)
        assert now > seen[-1], "a change did not bump seq"
        seen.append(now)
        [row] = rows(journal_path, "SELECT seq FROM shots WHERE id = ?", shot_id)
        assert row["seq"] == now, "the changed shot does not carry the newest seq"

    shot_id = journal.add_shot(shot(session_id))
    changed(shot_id)
    journal.upload_failed(shot_id, "storage down")
    changed(shot_id)
    journal.upload_succeeded(shot_id, "/x", 1.0)
    changed(shot_id)
    journal.notification_created(shot_id, REQUEST_ID, "{}", "http://x/cb")
    changed(shot_id)
    journal.add_attempt(
        shot_id, REQUEST_ID, 1, status=200, ms=1, ok=True, error="", body_excerpt=""
    )
    changed(shot_id)
    journal.notify_finished(shot_id, delivered=True)
    changed(shot_id)
    # A callback bumps only its own row's seq; readers take its shot as changed with it.
    callback(journal, REQUEST_ID, KEY)
    now = seq(journal_path)
    assert now > seen[-1], "a callback did not bump seq"
    [cb] = rows(journal_path, "SELECT seq, shot_id FROM callbacks")
    assert cb == {"seq": now, "shot_id": shot_id}
    reader = TimelineReader(journal_path)
    try:
        assert [row.id for row in reader.rows_since(seen[-1]).rows] == [shot_id]
    finally:
        reader.close()
    seen.append(now)
    callback(journal, None, None)  # an orphan callback is a change too
    assert seq(journal_path) > seen[-1]
    assert rows(journal_path, "SELECT COUNT(*) AS n FROM shots WHERE seq > ?", seen[-1]) == [
        {"n": 0}
    ]


def test_reopening_the_file_shows_the_same_rows_and_seq_carries_on(journal_path: Path) -> None:
    first = Journal(journal_path)
    session_id = new_session(first)
    shot_id = first.add_shot(shot(session_id))
    first.notification_created(shot_id, REQUEST_ID, "{}", "http://x/cb")
    callback(first, REQUEST_ID, KEY)
    first.stop_session(session_id)
    before = {
        table: rows(journal_path, f"SELECT * FROM {table} ORDER BY id")
        for table in ("sessions", "shots", "callbacks")
    }
    last_seq = seq(journal_path)
    first.close()

    again = Journal(journal_path)
    try:
        after = {
            table: rows(journal_path, f"SELECT * FROM {table} ORDER BY id")
            for table in ("sessions", "shots", "callbacks")
        }
        assert after == before
        assert before["sessions"][0]["stopped_at"] is not None
        assert callback(again, REQUEST_ID, KEY).delivery == 2
        assert seq(journal_path) > last_seq
    finally:
        again.close()


def test_open_shots_are_the_unfinished_ones_oldest_first(journal: Journal) -> None:
    session_id = new_session(journal)
    pending = journal.add_shot(shot(session_id, tick=0))
    sending = journal.add_shot(shot(session_id, tick=1))
    journal.upload_succeeded(sending, "/x", 1.0)
    journal.notification_created(sending, REQUEST_ID, '{"callbackData": "d"}', "http://x/cb")
    done = journal.add_shot(shot(session_id, tick=2))
    journal.upload_succeeded(done, "/y", 1.0)
    journal.notification_created(done, f"{SID}_3_{'e' * 32}", "{}", "http://x/cb")
    journal.notify_finished(done, delivered=True)
    missed = journal.add_shot(shot(session_id, spooled=False, tick=3))  # a 206: nothing to upload

    open_ids = [(s.id, s.upload_state, s.notify_state) for s in journal.open_shots()]
    assert open_ids == [
        (pending, "pending", "waiting"),
        (sending, "uploaded", "sending"),
        (missed, "none", "waiting"),
    ]
    assert journal.pending_spool_bytes() == 1000  # only the shot still to upload


def test_a_rounds_thumbnail_is_stored_once_for_all_its_users(
    journal: Journal, journal_path: Path
) -> None:
    session = new_session(journal)
    shot_ids = [journal.add_shot(shot(session, f"{uid}.jpg")) for uid in (1, 2, 3, 4)]
    journal.add_thumbnail(shot_ids, b"\xff\xd8round-0\xff\xd9")
    journal.add_thumbnail([journal.add_shot(shot(session, tick=1))], b"\xff\xd8round-1\xff\xd9")
    images = rows(journal_path, "SELECT jpeg FROM thumbnail_images ORDER BY id")
    # add_shot's own thumbnail (the same for every shot here), then the two rounds': one each.
    assert [r["jpeg"] for r in images] == [
        b"\xff\xd8thumb",
        b"\xff\xd8round-0\xff\xd9",
        b"\xff\xd8round-1\xff\xd9",
    ]
    shown = rows(journal_path, "SELECT shot_id FROM thumbnails ORDER BY shot_id")
    assert [r["shot_id"] for r in shown] == [*shot_ids, shot_ids[-1] + 1]
