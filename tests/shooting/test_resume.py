"""Resuming earlier sessions' unfinished shots from a real journal on disk: what goes back to
the upload queue, what is notified again and with which requestId and callbackData, and the
warning about sessions that never stopped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from capture import events
from capture.journal.writer import Journal, NewShot
from capture.shooting.ledger import ShotMeta
from capture.shooting.resume import Renotify, Reupload, report_abandoned, unfinished_work
from capture.spec.payload import CODE_INCOMPLETE, Notification
from tests.support.events import EventLog

SID = "0123456789abcdef0123456789abcdef"
UTC_DIGITS = "20240102030405006"
CALLBACK = "http://127.0.0.1:8787/callback"


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    journal = Journal(tmp_path / "journal.sqlite3")
    yield journal
    journal.close()


def new_session(journal: Journal) -> int:
    return journal.start_session(
        source="test pattern", storage="local folder", callback_url=CALLBACK, settings={}
    )


def add_shot(journal: Journal, session_id: int, n: int, spool_path: Path | None) -> int:
    spooled = spool_path is not None
    return journal.add_shot(
        NewShot(
            session_id=session_id,
            tick=n,
            sid=SID,
            uid=7,
            channel="room",
            object_key=f"key-{n}.jpg",
            captured_utc=UTC_DIGITS,
            code=200 if spooled else CODE_INCOMPLETE,
            msg="Supervise complete" if spooled else "No screenshot: no frame yet",
            spool_path=None if spool_path is None else str(spool_path),
        )
    )


def notify_created(journal: Journal, shot_id: int, n: int, callback_data: str) -> str:
    note = Notification(
        f"{SID}_1704164645_{n:032x}", "room", 7, f"key-{n}.jpg", UTC_DIGITS, callback_data
    )
    journal.notification_created(shot_id, note.request_id, note.encode(CALLBACK).decode(), CALLBACK)
    return note.request_id


def test_each_open_shot_resumes_where_it_stopped_oldest_first(
    journal: Journal, tmp_path: Path
) -> None:
    session = new_session(journal)
    spooled = tmp_path / "waiting.jpg"
    spooled.write_bytes(b"\xff\xd8" + b"x" * 1000)
    waiting = add_shot(journal, session, 1, spooled)
    vanished = add_shot(journal, session, 2, tmp_path / "deleted-by-hand.jpg")
    stored = add_shot(journal, session, 3, tmp_path / "stored.jpg")
    journal.upload_succeeded(stored, "file:///stored.jpg", 5.0)
    stored_request = notify_created(journal, stored, 3, "order=1")  # sent, never answered
    missed = add_shot(journal, session, 4, None)  # a 206 whose notification was never made
    done = add_shot(journal, session, 5, tmp_path / "done.jpg")
    journal.upload_succeeded(done, "file:///done.jpg", 5.0)
    notify_created(journal, done, 5, "order=1")
    journal.notify_finished(done, delivered=True)

    work = unfinished_work(journal.open_shots(), extra_info="order=2")

    then = ShotMeta(SID, 7, UTC_DIGITS, "order=1")  # as the notification was made
    now = ShotMeta(SID, 7, UTC_DIGITS, "order=2")  # today's setting: nothing was made yet
    ids = [step.item.shot_id if isinstance(step, Reupload) else step.shot_id for step in work]
    assert ids == [waiting, vanished, stored, missed]  # the delivered shot is done
    uploads = [step for step in work if isinstance(step, Reupload)]
    assert [step.meta for step in uploads] == [now, now]
    # (UploadItem compares by shot id alone, for the queue's order: compare its fields)
    assert [
        (u.item.shot_id, u.item.object_key, u.item.spool_path, u.item.size) for u in uploads
    ] == [
        (waiting, "key-1.jpg", str(spooled), 1002),
        (vanished, "key-2.jpg", str(tmp_path / "deleted-by-hand.jpg"), 0),  # found lost later
    ]
    assert all(u.item.tries == 0 for u in uploads)
    assert work[len(uploads) :] == [
        Renotify(stored, "key-3.jpg", then, 200, "Supervise complete", stored_request),
        Renotify(missed, "key-4.jpg", now, CODE_INCOMPLETE, "No screenshot: no frame yet", None),
    ]
    first = uploads[0]
    assert first.item.read() == spooled.read_bytes()  # read back from the spool, not memory


def test_nothing_open_is_nothing_to_do(journal: Journal) -> None:
    assert unfinished_work(journal.open_shots(), extra_info="") == []


def test_a_session_that_never_stopped_is_reported_once_with_its_unfinished_shots(
    journal: Journal, tmp_path: Path
) -> None:
    killed = new_session(journal)
    add_shot(journal, killed, 1, tmp_path / "a.jpg")
    add_shot(journal, killed, 2, tmp_path / "b.jpg")
    clean = new_session(journal)
    journal.stop_session(clean)
    current = new_session(journal)
    log = EventLog()

    report_abandoned(journal, current, log)
    report_abandoned(journal, current, log)  # closed by the first report: not again

    [warning] = log.named(events.WARNING)
    assert (warning["session_id"], warning["unfinished"]) == (killed, 2)
    assert warning["message"].startswith(f"session {killed} (started ")
    assert "killed or crashed" in warning["message"]
    assert warning["message"].endswith("its 2 unfinished shot(s) resume now")
