"""The real notifier on its own thread, journaling into a real journal."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from capture.delivery.notifier import Notifier, NotifyJob
from capture.journal.writer import Journal, NewShot
from capture.paths import DataDir
from capture.runtime import ThreadWorker
from capture.spec.naming import new_request_id, new_sid, object_key, utc_digits
from capture.spec.payload import Notification
from tests.support.engine import query
from tests.support.events import EventLog
from tests.support.waits import WAIT_S


@dataclass
class Sent:
    job: NotifyJob
    delivered: bool


class Harness:
    """A real Notifier on its own thread, journaling into a real SQLite journal."""

    def __init__(self, data_dir: DataDir) -> None:
        self.data_dir = data_dir
        self.journal = Journal(data_dir.journal)
        self.log = EventLog()
        self._done: dict[int, bool] = {}
        self._cond = threading.Condition()
        self.notifier = Notifier(self.journal, self.log, self._finished)
        self.session_id = self.journal.start_session(
            source="test", storage="none", callback_url="", settings={}
        )

    def _finished(self, job: NotifyJob, delivered: bool) -> None:
        with self._cond:
            self._done[job.shot_id] = delivered
            self._cond.notify_all()

    def send(self, url: str, checksum_url: str | None = None) -> Sent:
        """Notify `url` about a new shot; wait until the delivery is over (all attempts).
        `checksum_url` computes the checksum for another address (so it will not verify)."""
        job = self.submit(url, checksum_url)
        with self._cond:
            assert self._cond.wait_for(lambda: job.shot_id in self._done, WAIT_S)
            return Sent(job, self._done[job.shot_id])

    def submit(self, url: str, checksum_url: str | None = None) -> NotifyJob:
        """Notify `url` about a new shot, journaled as the session does; do not wait."""
        sid, now = new_sid(), datetime.now(UTC)
        key = object_key("", sid, "faults", 7, now)
        shot_id = self.journal.add_shot(
            NewShot(self.session_id, 0, sid, 7, "faults", key, utc_digits(now), 200, "x")
        )
        note = Notification(new_request_id(sid, now), "faults", 7, key, utc_digits(now))
        body = note.encode(checksum_url or url)
        self.journal.notification_created(shot_id, note.request_id, body.decode(), url)
        job = NotifyJob(shot_id, note.request_id, key, 200, url, body)
        self.notifier.submit(job)
        return job

    def attempts(self, shot_id: int) -> list[tuple[int, str, int | None, str]]:
        rows = query(
            self.data_dir,
            "SELECT attempt, request_id, status, error FROM attempts WHERE shot_id = ?"
            " ORDER BY attempt",
            shot_id,
        )
        return [(int(r[0]), str(r[1]), r[2], str(r[3])) for r in rows]


@contextlib.contextmanager
def notifier_harness(data_dir: DataDir) -> Iterator[Harness]:
    made = Harness(data_dir)
    worker = ThreadWorker("notify", made.notifier)
    worker.start()
    try:
        yield made
    finally:
        worker.request_stop()
        assert worker.join(10.0)
        made.journal.close()
