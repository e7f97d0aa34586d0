"""Retention: old finished sessions leave the journal with everything about their shots; a shot
still waiting is never forgotten, however old; each distinct thumbnail goes with its last shot."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from capture.journal.writer import IncomingCallback, Journal, NewShot, PendingNotification

LONG_AGO = "2020-01-01T00:00:00.000Z"


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal.sqlite3")


def count(journal: Journal, table: str) -> int:
    conn = sqlite3.connect(journal.path)
    try:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def session_with_shot(journal: Journal, name: str, *, finished: bool, ended: str) -> int:
    """A stopped session with one shot, uploaded and notified when `finished`."""
    session = journal.start_session(source=name, storage="x", callback_url="u", settings={})
    spool = journal.folder / "spool" / f"{name}.jpg"
    spool.parent.mkdir(exist_ok=True)
    spool.write_bytes(b"\xff\xd8kept\xff\xd9")
    shot = journal.add_shot(
        NewShot(
            session,
            0,
            name,
            7,
            "c",
            f"{name}.jpg",
            "20200101000000000",
            200,
            "ok",
            spool_path=str(spool),
            thumbnail=f"thumb-{name}".encode(),
        )
    )
    if finished:
        request = f"req-{name}"
        journal.upload_succeeded(shot, "s3://b/k", 5.0, PendingNotification(request, "{}", "u"))
        journal.add_callbacks([callback(request)])
        journal.notify_finished(shot, delivered=True)
    journal.stop_session(session)
    conn = sqlite3.connect(journal.path)
    with conn:
        conn.execute("UPDATE sessions SET stopped_at = ? WHERE id = ?", (ended, session))
    conn.close()
    return session


def callback(request_id: str | None) -> IncomingCallback:
    return IncomingCallback("127.0.0.1", request_id, None, 200, True, "ok", 200, b"{}")


def test_old_finished_sessions_go_with_their_rows_and_kept_images(journal: Journal) -> None:
    session_with_shot(journal, "old", finished=True, ended=LONG_AGO)
    session_with_shot(journal, "recent", finished=True, ended="2999-01-01T00:00:00.000Z")
    journal.add_callbacks([callback(None)])  # matched no shot, received just now

    pruned = journal.prune(datetime.now(UTC) - timedelta(days=30))

    assert (pruned.sessions, pruned.shots, pruned.callbacks) == (1, 1, 1)
    assert [Path(p).name for p in pruned.spool_files] == ["old.jpg"]
    assert (count(journal, "sessions"), count(journal, "shots")) == (1, 1)
    assert count(journal, "attempts") == 0  # none were journaled here; the query still ran
    assert count(journal, "callbacks") == 2  # the recent shot's and the unmatched new one
    assert (count(journal, "thumbnails"), count(journal, "thumbnail_images")) == (1, 1)


def test_a_shot_still_waiting_keeps_its_session_however_old(journal: Journal) -> None:
    session_with_shot(journal, "waiting", finished=False, ended=LONG_AGO)
    pruned = journal.prune(datetime.now(UTC))
    assert (pruned.sessions, pruned.shots, pruned.spool_files) == (0, 0, ())
    assert count(journal, "shots") == 1
    [waiting] = journal.open_shots()
    assert waiting.spool_path is not None and Path(waiting.spool_path).is_file()


def test_a_thumbnail_shared_with_a_kept_shot_stays(journal: Journal) -> None:
    session_with_shot(journal, "old", finished=True, ended=LONG_AGO)
    new = journal.start_session(source="new", storage="x", callback_url="u", settings={})
    shot = journal.add_shot(
        NewShot(new, 0, "n", 7, "c", "n.jpg", "20990101000000000", 206, "no frame")
    )
    journal.add_thumbnail([shot], b"thumb-old")  # the same picture as the old session's
    assert journal.prune(datetime.now(UTC)).sessions == 1  # the old one; the new one runs
    assert count(journal, "sessions") == 1
    assert (count(journal, "thumbnails"), count(journal, "thumbnail_images")) == (1, 1)


def test_the_engine_forgets_old_sessions_at_start_and_deletes_their_kept_images(
    tmp_path: Path,
) -> None:
    from capture.engine import Engine
    from capture.events import discard
    from capture.paths import DataDir

    data_dir = DataDir(tmp_path / "data").create()
    journal = Journal(data_dir.journal)
    session_with_shot(journal, "old", finished=True, ended=LONG_AGO)
    kept = data_dir.spool / "old.jpg"
    journal.close()
    assert kept.is_file()

    engine = Engine(data_dir, discard, keep_days=30)
    try:
        assert not kept.exists()
        assert count(engine.journal, "sessions") == 0
    finally:
        engine.close()

    engine = Engine(data_dir, discard, keep_days=0)  # 0 keeps everything: nothing to check
    try:
        assert engine.forget_old_sessions() is None
    finally:
        engine.close()
