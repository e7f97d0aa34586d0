"""The timeline reader aggregates shots, attempts and callbacks from the journal on disk, and
returns only what changed since the last seq it handed out."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from capture.journal.reader import RowKind, Status, StatusGroup, TimelineReader, TimelineRow
from capture.journal.writer import Journal, NewShot

SID = "0" * 32
THUMB = b"\xff\xd8thumb\xff\xd9"


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    journal = Journal(tmp_path / "journal.sqlite3")
    yield journal
    journal.close()


@pytest.fixture
def reader(journal: Journal) -> Iterator[TimelineReader]:
    reader = TimelineReader(journal.path)
    yield reader
    reader.close()


def add_shot(
    journal: Journal, n: int, *, spool: str | None = "/nonexistent/spool.jpg", code: int = 200
) -> int:
    session = journal.start_session(source="test", storage="local", callback_url="", settings={})
    return journal.add_shot(
        NewShot(
            session_id=session,
            tick=n,
            sid=SID,
            uid=1001,
            channel="demo",
            object_key=f"20250101/{SID}_demo__uid_s_1001__uid_e_video_2025010100000{n % 10}000.jpg",
            captured_utc=f"2025010100000{n % 10}000",
            code=code,
            msg="Supervise complete" if code == 200 else "No screenshot: no frame yet",
            width=1280,
            height=720,
            size=50_000,
            spool_path=spool if code == 200 else None,
            thumbnail=THUMB if code == 200 else None,
        )
    )


def notify(journal: Journal, shot_id: int, request_id: str, url: str = "http://h/cb") -> None:
    body = {"requestId": request_id, "code": 200, "object": "k"}
    journal.notification_created(shot_id, request_id, json.dumps(body), url)


def attempt(journal: Journal, shot_id: int, request_id: str, n: int, ok: bool) -> None:
    journal.add_attempt(
        shot_id,
        request_id,
        n,
        status=200 if ok else 500,
        ms=12.5,
        ok=ok,
        error="" if ok else "status 500, expected 200",
        body_excerpt="{}",
    )


def callback(journal: Journal, request_id: str, *, ok: bool | None = True, key: str = "") -> None:
    journal.add_callback(
        remote="127.0.0.1",
        request_id=request_id,
        object_key=key or None,
        answered=200,
        checksum_ok=ok,
        verdict="checksum verified with callbackAddr http://h/cb" if ok else "checksum mismatch",
        code=200,
        raw_body=json.dumps({"requestId": request_id, "object": key}).encode(),
    )


def only(rows: list[TimelineRow]) -> TimelineRow:
    assert len(rows) == 1, rows
    return rows[0]


def test_an_empty_journal_has_no_rows(reader: TimelineReader) -> None:
    batch = reader.rows_since(0)
    assert batch.rows == []
    assert batch.seq == 0
    assert not batch.more


def test_a_shot_row_follows_the_shot_through_every_stage(
    journal: Journal, reader: TimelineReader
) -> None:
    shot = add_shot(journal, 1)
    first = reader.rows_since(0)
    row = only(first.rows)
    assert (row.kind, row.id, row.status) == (RowKind.SHOT, shot, Status.UPLOADING)
    assert row.has_thumbnail and row.size == 50_000 and (row.width, row.height) == (1280, 720)
    assert row.when.isoformat() == "2025-01-01T00:00:01+00:00"

    journal.upload_failed(shot, "cannot reach storage")
    row = only(reader.rows_since(first.seq).rows)
    assert row.status is Status.RETRYING
    assert "cannot reach storage" in row.summary

    journal.upload_succeeded(shot, "/x/k.jpg", 8.0)
    notify(journal, shot, "r1")
    mark = reader.rows_since(0).seq
    attempt(journal, shot, "r1", 1, ok=False)
    row = only(reader.rows_since(mark).rows)
    assert row.status is Status.RETRYING
    assert [a.status for a in row.attempts] == [500]

    attempt(journal, shot, "r1", 2, ok=True)
    callback(journal, "r1")
    journal.notify_finished(shot, delivered=True)
    row = only(reader.rows_since(mark).rows)
    assert row.status is Status.VERIFIED
    assert row.status.group is StatusGroup.OK
    assert [a.ok for a in row.attempts] == [False, True]
    assert row.callbacks[0].checksum_ok is True
    assert row.request_id == "r1"
    assert row.upload_location == "/x/k.jpg" and row.upload_ms == 8.0


def test_rows_since_returns_only_what_changed(journal: Journal, reader: TimelineReader) -> None:
    a, b = add_shot(journal, 1), add_shot(journal, 2)
    seq = reader.rows_since(0).seq
    assert reader.rows_since(seq).rows == []
    journal.upload_succeeded(b, "/x", 1.0)
    assert [r.id for r in reader.rows_since(seq).rows] == [b]
    assert a != b


def test_a_callback_matching_no_shot_gets_its_own_row(
    journal: Journal, reader: TimelineReader
) -> None:
    callback(journal, "someone-elses-request", ok=False, key="elsewhere/x.jpg")
    row = only(reader.rows_since(0).rows)
    assert row.kind is RowKind.CALLBACK
    assert row.status is Status.FOREIGN
    assert row.object_key == "elsewhere/x.jpg"
    assert "matches no shot" in row.summary


def _mismatched(j: Journal, s: int) -> None:
    notify(j, s, "r")
    callback(j, "r", ok=False)


def _failed(j: Journal, s: int) -> None:
    notify(j, s, "r")
    attempt(j, s, "r", 3, False)
    j.notify_finished(s, False)


def _delivered_elsewhere(j: Journal, s: int) -> None:
    notify(j, s, "r")
    j.notify_finished(s, True)


@pytest.mark.parametrize(
    ("setup", "status"),
    [
        (_mismatched, Status.MISMATCH),
        (_failed, Status.FAILED),
        (_delivered_elsewhere, Status.DELIVERED),
    ],
)
def test_failures_and_external_webhooks_have_their_own_status(
    journal: Journal, reader: TimelineReader, setup: object, status: Status
) -> None:
    shot = add_shot(journal, 1)
    journal.upload_succeeded(shot, "/x", 1.0)
    setup(journal, shot)  # type: ignore[operator]
    assert only(reader.rows_since(0).rows).status is status


def test_an_interval_without_a_shot_is_a_failure(journal: Journal, reader: TimelineReader) -> None:
    add_shot(journal, 1, code=206)
    row = only(reader.rows_since(0).rows)
    assert row.status is Status.NO_SHOT
    assert row.status.group is StatusGroup.FAILED
    assert row.summary == "No screenshot: no frame yet"
    assert not row.has_thumbnail


def test_the_newest_rows_start_a_window_that_rows_since_goes_on_from(
    journal: Journal, reader: TimelineReader
) -> None:
    ids = [add_shot(journal, n) for n in range(8)]  # captured 0 to 7 s past the minute
    callback(journal, "someone-elses-request")  # received now: the newest row
    start = reader.newest(4)
    assert [(r.kind, r.id) for r in start.rows] == [
        (RowKind.SHOT, ids[5]),
        (RowKind.SHOT, ids[6]),
        (RowKind.SHOT, ids[7]),
        (RowKind.CALLBACK, 1),
    ]
    assert not start.more
    assert reader.rows_since(start.seq).rows == []
    later = add_shot(journal, 9)
    journal.upload_succeeded(ids[0], "/x", 1.0)  # an old row changes: it comes too
    assert [r.id for r in reader.rows_since(start.seq).rows] == [later, ids[0]]
    assert reader.counters().rows == 10  # 9 shots and the callback matching none
    assert reader.newest(0).rows == []


def test_batches_cover_every_row_once(journal: Journal, reader: TimelineReader) -> None:
    ids = [add_shot(journal, n) for n in range(25)]
    callback(journal, "foreign")
    seen: list[int] = []
    seq, batches = 0, 0
    while True:
        batch = reader.rows_since(seq, limit=10)
        seen += [r.id for r in batch.rows if r.kind is RowKind.SHOT]
        seq, batches = batch.seq, batches + 1
        if not batch.more:
            break
    assert seen == ids
    assert batches == 3
    assert reader.rows_since(seq).rows == []


def test_counters_agree_with_row_statuses(journal: Journal, reader: TimelineReader) -> None:
    ok = add_shot(journal, 1)
    journal.upload_succeeded(ok, "/x", 1.0)
    notify(journal, ok, "r1")
    callback(journal, "r1")
    journal.notify_finished(ok, True)
    bad = add_shot(journal, 2)
    journal.upload_succeeded(bad, "/x", 1.0)
    notify(journal, bad, "r2")
    journal.notify_finished(bad, False)
    add_shot(journal, 3)  # pending upload
    add_shot(journal, 4, code=206)
    callback(journal, "foreign")

    counters = reader.counters()
    rows = reader.rows_since(0).rows
    failed = [r for r in rows if r.status.group is StatusGroup.FAILED]
    pending = [r for r in rows if r.status.group is StatusGroup.PENDING]
    assert (counters.shots, counters.uploaded, counters.notified) == (3, 2, 1)
    assert counters.callbacks == 2
    assert counters.failures == len(failed) == 2
    assert counters.pending == len(pending) == 1


def test_detail_has_the_payloads_and_finds_the_image(
    journal: Journal, reader: TimelineReader, tmp_path: Path
) -> None:
    spool = tmp_path / "spool.jpg"
    spool.write_bytes(b"jpeg")
    shot = add_shot(journal, 1, spool=str(spool))
    notify(journal, shot, "r1", url="http://127.0.0.1:1/callback")
    callback(journal, "r1")
    row = only(reader.rows_since(0).rows)

    detail = reader.detail(row)
    assert json.loads(detail.payload_sent)["requestId"] == "r1"
    assert detail.payload_sent.startswith("{\n  ")  # pretty-printed
    assert detail.callback_url == "http://127.0.0.1:1/callback"
    assert json.loads(detail.received[0].body) == {"requestId": "r1", "object": ""}
    assert detail.image_path == str(spool)

    spool.unlink()
    stored = tmp_path / "stored.jpg"
    stored.write_bytes(b"jpeg")
    journal.upload_succeeded(shot, str(stored), 1.0)
    assert reader.detail(only(reader.rows_since(0).rows)).image_path == str(stored)

    journal.upload_succeeded(shot, "s3://bucket/key.jpg", 1.0)
    detail = reader.detail(only(reader.rows_since(0).rows))
    assert detail.image_path == ""
    assert "s3://bucket/key.jpg" in detail.image_where


def test_detail_of_a_foreign_callback_shows_what_arrived(
    journal: Journal, reader: TimelineReader
) -> None:
    callback(journal, "foreign", key="x.jpg")
    detail = reader.detail(only(reader.rows_since(0).rows))
    assert detail.payload_sent == ""
    assert '"requestId": "foreign"' in detail.received[0].body
    assert "matched no shot" in detail.image_where


def test_thumbnails_are_read_on_request(journal: Journal, reader: TimelineReader) -> None:
    shot = add_shot(journal, 1)
    assert reader.thumbnail(shot) == THUMB
    assert reader.thumbnail(shot + 100) is None


def test_the_reader_cannot_write(journal: Journal, reader: TimelineReader) -> None:
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader._conn.execute("DELETE FROM shots")


def test_a_thumbnail_journaled_after_its_shot_reaches_a_reader_that_saw_the_shot(
    journal: Journal, reader: TimelineReader
) -> None:
    session = journal.start_session(source="test", storage="local", callback_url="", settings={})
    shots = [
        journal.add_shot(
            NewShot(session, 1, SID, uid, "demo", f"k{uid}.jpg", "20250101000001000", 200, "ok")
        )
        for uid in (1001, 1002)
    ]
    journal.upload_succeeded(shots[0], "/x", 1.0)
    notify(journal, shots[0], "r1")
    callback(journal, "r1")
    journal.notify_finished(shots[0], delivered=True)
    seen = reader.rows_since(0)
    assert [(r.id, r.has_thumbnail) for r in seen.rows] == [(shots[1], False), (shots[0], False)]
    journal.add_thumbnail(shots, THUMB)  # one frame's thumbnail for the round's two users
    late = reader.rows_since(seen.seq)
    assert [(r.id, r.has_thumbnail) for r in late.rows] == [(shots[0], True), (shots[1], True)]
    assert late.rows[0].status is Status.VERIFIED  # the rest of the row is unchanged
    assert reader.thumbnail(shots[0]) == reader.thumbnail(shots[1]) == THUMB
    assert reader.rows_since(late.seq).rows == []


@pytest.mark.parametrize("folder", ["a#b", "a?b", "a%20b", "100%", "x?mode=rwc#y", "sp ace"])
def test_a_data_folder_whose_name_means_something_in_a_uri_is_read(
    tmp_path: Path, folder: str
) -> None:
    """The reader's read-only connection is a SQLite URI: '#', '?' and '%' in the folder's
    name are quoted, so it opens this journal, not a file named after the name's first part."""
    path = tmp_path / folder / "journal.sqlite3"
    path.parent.mkdir()
    journal = Journal(path)
    try:
        shot_id = add_shot(journal, 1)
        reader = TimelineReader(path)
        try:
            assert [row.id for row in reader.newest(10).rows] == [shot_id]
        finally:
            reader.close()
    finally:
        journal.close()
    assert [p.name for p in tmp_path.iterdir()] == [folder]  # nothing made beside it


def session_shot(journal: Journal, session: int, tick: int, late_ms: float | None = None) -> int:
    return journal.add_shot(
        NewShot(
            session_id=session,
            tick=tick,
            sid=SID,
            uid=1001,
            channel="demo",
            object_key=f"key-{session}-{tick}",
            captured_utc=f"2025010100000{tick % 10}000",
            code=200,
            msg="Supervise complete",
            spool_path="/nonexistent/spool.jpg",
            late_ms=late_ms,
        )
    )


def new_session(journal: Journal) -> int:
    return journal.start_session(source="test", storage="local", callback_url="", settings={})


def test_session_times_are_the_newest_sessions_shots_with_each_stages_end(
    journal: Journal, reader: TimelineReader
) -> None:
    assert reader.session_times(None, 0, 10).session_id is None
    older = new_session(journal)
    session_shot(journal, older, 1)
    session = new_session(journal)
    shot = session_shot(journal, session, 2, late_ms=3.25)
    journal.upload_succeeded(shot, "/x/k.jpg", 8.0)
    notify(journal, shot, "r1")
    attempt(journal, shot, "r1", 1, ok=False)
    attempt(journal, shot, "r1", 2, ok=True)
    callback(journal, "r1")
    callback(journal, "r1")  # a retry's callback: the first one ends the notify stage

    times = reader.session_times(None, 0, 10)

    assert (times.session_id, times.fresh) == (session, True)
    (only_shot,) = times.shots
    assert (only_shot.id, only_shot.tick, only_shot.late_ms) == (shot, 2, 3.25)
    assert only_shot.captured_utc == "20250101000002000"
    assert (only_shot.upload_ms, only_shot.upload_tries, only_shot.attempts) == (8.0, 1, 2)
    assert only_shot.uploaded_at and only_shot.received_at
    first_callback = reader.rows_since(0).rows[-1].callbacks[0]
    assert only_shot.received_at == first_callback.received_at


def test_session_times_go_on_from_a_seq_and_start_over_with_a_new_session(
    journal: Journal, reader: TimelineReader
) -> None:
    session = new_session(journal)
    a, b = session_shot(journal, session, 1), session_shot(journal, session, 2)
    first = reader.session_times(None, 0, 10)
    assert [s.id for s in first.shots] == [a, b]
    assert reader.session_times(session, first.seq, 10).shots == []

    journal.upload_succeeded(a, "/x", 1.0)
    changed = reader.session_times(session, first.seq, 10)
    assert (changed.fresh, [s.id for s in changed.shots]) == (False, [a])

    # A callback changes only its own row, yet its shot's times come again, now received.
    journal.add_callback(
        remote="127.0.0.1", request_id=None, object_key=f"key-{session}-2", answered=200,
        checksum_ok=True, verdict="ok", code=200, raw_body=b"{}",
    )  # fmt: skip
    answered = reader.session_times(session, changed.seq, 10)
    assert [(s.id, bool(s.received_at)) for s in answered.shots] == [(b, True)]

    later = new_session(journal)
    c = session_shot(journal, later, 1)
    again = reader.session_times(session, answered.seq, 10)
    assert (again.session_id, again.fresh, [s.id for s in again.shots]) == (later, True, [c])


def test_session_times_keep_the_newest_shots_when_limited(
    journal: Journal, reader: TimelineReader
) -> None:
    session = new_session(journal)
    ids = [session_shot(journal, session, tick) for tick in range(6)]
    assert [s.id for s in reader.session_times(None, 0, 4).shots] == ids[-4:]
