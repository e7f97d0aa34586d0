"""An Uploader on its own thread, with a local folder as storage and the journal and spool on
disk: each shot's end reaches its owner through `UploadOutcomes`, in order; a failure does
not (it stays the queue's and the events')."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from capture import events
from capture.delivery.uploads import Uploader, UploadItem, UploadQueue
from capture.journal.writer import Journal, NewShot, connect
from capture.runtime import ThreadWorker
from capture.storage.local import LocalStorage
from capture.storage.spool import Spool
from tests.support.events import EventLog
from tests.support.waits import JOIN_S, WAIT_S

JPEG = b"\xff\xd8" + b"shot" * 100


class Recorded:
    """UploadOutcomes writing down each call, with how many `upload_succeeded` events had
    been reported when it came."""

    def __init__(self, journal: Journal, log: EventLog) -> None:
        self.calls: list[tuple[str, int, str, int]] = []
        self._journal = journal
        self._log = log
        self._cond = threading.Condition()

    def journal_stored(self, item: UploadItem, location: str, ms: float) -> None:
        self._journal.upload_succeeded(item.shot_id, location, ms)
        self._record("journal_stored", item, location)

    def upload_stored(self, item: UploadItem) -> None:
        self._record("upload_stored", item, "")

    def upload_lost(self, item: UploadItem, why: str) -> None:
        self._record("upload_lost", item, why)

    def _record(self, name: str, item: UploadItem, detail: str) -> None:
        reported = len(self._log.named(events.UPLOAD_SUCCEEDED))
        with self._cond:
            self.calls.append((name, item.shot_id, detail, reported))
            self._cond.notify_all()

    def wait(self, count: int) -> list[tuple[str, int, str, int]]:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.calls) >= count, WAIT_S), self.calls
            return list(self.calls)


@dataclass
class Rig:
    queue: UploadQueue
    journal: Journal
    spool: Spool
    storage: Path
    log: EventLog
    outcomes: Recorded

    def spooled(self, key: str) -> UploadItem:
        """A shot spooled and journaled as the capture stage leaves it."""
        path = self.spool.write(key, JPEG)
        session = self.journal.start_session(
            source="test", storage="local", callback_url="", settings={}
        )
        shot_id = self.journal.add_shot(
            NewShot(
                session_id=session,
                tick=0,
                sid="sid",
                uid=7,
                channel="room",
                object_key=key,
                captured_utc="20240102030405006",
                code=200,
                msg="Supervise complete",
                size=len(JPEG),
                spool_path=str(path),
            )
        )
        return UploadItem(shot_id, key, str(path), len(JPEG))

    def shot_row(self, shot_id: int) -> dict[str, Any]:
        conn = connect(self.journal.path, readonly=True)
        try:
            row = conn.execute("SELECT * FROM shots WHERE id = ?", (shot_id,)).fetchone()
            return dict(row)
        finally:
            conn.close()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    journal = Journal(tmp_path / "journal.sqlite3")
    log = EventLog()
    queue = UploadQueue()
    spool = Spool(tmp_path / "spool")
    storage = tmp_path / "storage"
    outcomes = Recorded(journal, log)
    uploader = Uploader(queue, LocalStorage(storage), journal, spool, log, outcomes)
    worker = ThreadWorker("upload-1", uploader)
    worker.start()
    try:
        yield Rig(queue, journal, spool, storage, log, outcomes)
    finally:
        worker.request_stop()
        assert worker.join(JOIN_S)
        journal.close()


def test_a_stored_shot_is_journaled_then_reported_then_handed_on(rig: Rig) -> None:
    item = rig.spooled("day/shot-1.jpg")
    rig.queue.put(item)
    calls = rig.outcomes.wait(2)
    location = str((rig.storage / "day/shot-1.jpg").resolve())
    assert calls == [
        ("journal_stored", item.shot_id, location, 0),  # before anyone hears of it
        ("upload_stored", item.shot_id, "", 1),  # after its upload_succeeded event
    ]
    assert (rig.storage / "day/shot-1.jpg").read_bytes() == JPEG
    assert rig.shot_row(item.shot_id)["upload_state"] == "uploaded"
    assert rig.spool.pending_bytes == 0


def test_a_shot_whose_spool_file_vanished_is_reported_lost(rig: Rig) -> None:
    item = rig.spooled("day/shot-1.jpg")
    Path(item.spool_path).unlink()
    rig.queue.put(item)
    [(name, shot_id, why, _)] = rig.outcomes.wait(1)
    assert (name, shot_id) == ("upload_lost", item.shot_id)
    assert why.startswith(f"its spool file {item.spool_path} cannot be read")
    assert rig.spool.pending_bytes == 0  # it no longer counts against the cap
    assert len(rig.queue) == 0  # never retried
    assert not rig.log.named(events.UPLOAD_FAILED)  # the owner reports it, saying why


def test_a_failure_is_the_queues_and_the_events_not_an_outcome(rig: Rig) -> None:
    item = rig.spooled("../outside-the-storage-folder.jpg")  # refused: retrying cannot fix it
    rig.queue.put(item)
    [paused] = rig.log.wait_for(events.UPLOADS_PAUSED)
    assert "leaves the storage folder" in paused["reason"]
    [failed] = rig.log.named(events.UPLOAD_FAILED)
    assert (failed["shot_id"], failed["retryable"]) == (item.shot_id, False)
    row = rig.shot_row(item.shot_id)
    assert (row["upload_state"], row["upload_tries"]) == ("pending", 1)
    assert rig.queue.pause is not None
    assert len(rig.queue) == 1  # back in the queue, waiting for the pause's next probe
    assert rig.outcomes.calls == []


def test_stored_images_stay_within_the_spools_bound_and_the_journal_forgets_the_rest(
    rig: Rig,
) -> None:
    rig.spool.keep_uploaded_bytes = 2 * len(JPEG)
    items = [rig.spooled(f"day/shot-{n}.jpg") for n in range(5)]
    for item in items:
        rig.queue.put(item)
    # Each worker trims after handing its shot on: wait until the fifth's trim is done too
    # (the oldest three then forgotten by the journal), rather than guess how far it got.
    rig.outcomes.wait(2 * len(items))
    gone, kept = items[:3], items[3:]
    forgotten = threading.Event()

    def trimmed() -> bool:
        return all(rig.shot_row(item.shot_id)["spool_path"] is None for item in gone)

    deadline = time.monotonic() + WAIT_S
    while not trimmed() and time.monotonic() < deadline:
        forgotten.wait(0.02)  # a poll of the journal, whose writes signal nothing to wait on
    assert trimmed()
    assert all(not Path(item.spool_path).exists() for item in gone)
    assert all(Path(item.spool_path).read_bytes() == JPEG for item in kept)
    assert all(rig.shot_row(item.shot_id)["spool_path"] for item in kept)
    # Trimmed images were uploaded first: the storage has every shot.
    assert all((rig.storage / item.object_key).read_bytes() == JPEG for item in items)
