"""Received callbacks are journaled in group commits: several per transaction, each committed
before its answer, in order, with the same correlation and delivery counting as one by one."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from capture.journal.exchanges import ExchangeReader
from capture.journal.reader import TimelineReader
from capture.journal.records import Direction, Exchange
from capture.journal.writer import CallbackRecord, IncomingCallback, Journal, NewShot
from capture.receiver.groupcommit import GroupCommit
from capture.spec.naming import new_request_id, new_sid, object_key, utc_digits

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


class CountingJournal(Journal):
    """A real journal that remembers how many callbacks each transaction held."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.batches: list[int] = []
        self.fail_next = False

    def add_callbacks(self, callbacks: Sequence[IncomingCallback]) -> list[CallbackRecord]:
        self.batches.append(len(callbacks))
        if self.fail_next:
            self.fail_next = False
            raise sqlite3.OperationalError("disk I/O error")
        return super().add_callbacks(callbacks)


@pytest.fixture
def journal(tmp_path: Path) -> CountingJournal:
    return CountingJournal(tmp_path / "journal.sqlite3")


def sent_shot(journal: Journal, tick: int = 0) -> tuple[int, str, str]:
    """A shot whose notification was sent: (shot id, requestId, object key)."""
    session = journal.start_session(source="s", storage="x", callback_url="u", settings={})
    sid = new_sid()
    key = object_key("", sid, "chan", 7, NOW)
    shot_id = journal.add_shot(
        NewShot(session, tick, sid, 7, "chan", key, utc_digits(NOW), 200, "Supervise complete")
    )
    request_id = new_request_id(sid, NOW)
    journal.notification_created(shot_id, request_id, "{}", "u")
    return shot_id, request_id, key


def incoming(request_id: str | None, key: str | None, answered: int = 200) -> IncomingCallback:
    return IncomingCallback(
        remote="127.0.0.1",
        request_id=request_id,
        object_key=key,
        answered=answered,
        checksum_ok=True,
        verdict="checksum verified",
        code=200,
        raw_body=b'{"requestId": "x"}',
    )


def callback_rows(path: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM callbacks ORDER BY id").fetchall()
    finally:
        conn.close()


def test_one_transaction_correlates_and_counts_deliveries_in_order(
    journal: CountingJournal,
) -> None:
    shot_a, request_a, _ = sent_shot(journal)
    shot_b, _, key_b = sent_shot(journal, 1)
    records = journal.add_callbacks(
        [
            incoming(request_a, None),
            incoming(request_a, None),  # a retry of the same requestId in the same batch
            incoming(None, key_b),  # no requestId: correlated by object key
            incoming("unknown", "unknown.jpg"),
        ]
    )
    assert [(r.shot_id, r.delivery) for r in records] == [
        (shot_a, 1),
        (shot_a, 2),
        (shot_b, 1),
        (None, 1),
    ]
    rows = callback_rows(journal.path)
    assert [row["id"] for row in rows] == [r.id for r in records]
    seqs = [row["seq"] for row in rows]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert journal.add_callbacks([]) == []


def test_later_batches_continue_the_delivery_count_and_seq(journal: CountingJournal) -> None:
    _, request_id, _ = sent_shot(journal)
    first = journal.add_callback(
        remote="127.0.0.1",
        request_id=request_id,
        object_key=None,
        answered=500,
        checksum_ok=None,
        verdict="tester chose 500",
        code=200,
        raw_body=b"{}",
    )
    second = journal.add_callbacks([incoming(request_id, None)])[0]
    assert (first.delivery, second.delivery) == (1, 2)
    rows = callback_rows(journal.path)
    assert rows[0]["seq"] < rows[1]["seq"]
    assert (rows[0]["checksum_ok"], rows[1]["checksum_ok"]) == (None, 1)


def test_batches_after_single_callbacks_continue_ids_deliveries_and_seq(
    journal: CountingJournal,
) -> None:
    shot_a, request_a, _ = sent_shot(journal)
    shot_b, request_b, _ = sent_shot(journal, 1)
    lone = journal.add_callbacks([incoming(request_a, None)])
    batch = journal.add_callbacks([incoming(request_b, None), incoming(request_a, None)])
    again = journal.add_callbacks([incoming(request_a, None), incoming(request_b, None)])
    records = lone + batch + again
    assert [(r.shot_id, r.delivery) for r in records] == [
        (shot_a, 1),
        (shot_b, 1),
        (shot_a, 2),
        (shot_a, 3),
        (shot_b, 2),
    ]
    rows = callback_rows(journal.path)
    assert [row["id"] for row in rows] == [r.id for r in records]
    assert [row["shot_id"] for row in rows] == [r.shot_id for r in records]
    seqs = [row["seq"] for row in rows]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    reader = TimelineReader(journal.path)
    try:
        since_first = reader.rows_since(seqs[0]).rows
        since_batch = reader.rows_since(seqs[2]).rows
    finally:
        reader.close()
    # A shot's row changes with each of its callbacks, and comes once, at its latest.
    assert [row.id for row in since_first] == [shot_a, shot_b]
    assert [row.id for row in since_batch] == [shot_a, shot_b]
    assert [len(row.callbacks) for row in since_batch] == [3, 2]


def test_callbacks_arriving_together_share_transactions(journal: CountingJournal) -> None:
    shots = [sent_shot(journal, tick) for tick in range(20)]

    async def receive_all() -> list[CallbackRecord]:
        writer = GroupCommit(journal)
        try:
            return await asyncio.gather(*(writer.add(incoming(r, k)) for _, r, k in shots))
        finally:
            await writer.close()

    records = asyncio.run(receive_all())
    assert [r.shot_id for r in records] == [shot_id for shot_id, _, _ in shots]
    assert sum(journal.batches) == 20
    assert len(journal.batches) < 20
    assert len(callback_rows(journal.path)) == 20


def test_a_failed_commit_fails_its_callbacks_and_the_next_ones_still_commit(
    journal: CountingJournal,
) -> None:
    _, request_id, _ = sent_shot(journal)

    async def receive() -> tuple[BaseException | CallbackRecord, CallbackRecord]:
        writer = GroupCommit(journal)
        try:
            journal.fail_next = True
            failed = await asyncio.gather(
                writer.add(incoming(request_id, None)), return_exceptions=True
            )
            later = await writer.add(incoming(request_id, None))
            return failed[0], later
        finally:
            await writer.close()

    failed, later = asyncio.run(receive())
    assert isinstance(failed, sqlite3.OperationalError)
    assert later.delivery == 1  # the failed one was never journaled
    assert len(callback_rows(journal.path)) == 1


def test_a_row_sqlite_refuses_fails_alone_and_not_the_callbacks_batched_with_it(
    journal: CountingJournal,
) -> None:
    shots = [sent_shot(journal, tick) for tick in range(4)]
    bad = incoming(shots[1][1], None)._replace(code=10**30)  # beyond SQLite's INTEGER

    async def receive_all() -> list[CallbackRecord | BaseException]:
        writer = GroupCommit(journal)
        try:
            callbacks = [incoming(r, None) for _, r, _ in shots]
            callbacks[1] = bad
            return await asyncio.gather(*(writer.add(c) for c in callbacks), return_exceptions=True)
        finally:
            await writer.close()

    outcomes = asyncio.run(receive_all())
    assert journal.batches[0] == 4  # they did arrive together, in one group commit
    assert isinstance(outcomes[1], OverflowError)
    good = [outcomes[i] for i in (0, 2, 3)]
    assert all(isinstance(o, CallbackRecord) for o in good)
    rows = callback_rows(journal.path)
    assert [row["shot_id"] for row in rows] == [shots[i][0] for i in (0, 2, 3)]


class FullDiskJournal(Journal):
    """A real journal whose exchange writes fail as on a full disk while `full` is set."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.full = True

    def add_exchanges(self, exchanges: Sequence[Exchange]) -> None:
        if self.full:
            error = sqlite3.OperationalError("database or disk is full")
            error.sqlite_errorcode = sqlite3.SQLITE_FULL
            raise error
        super().add_exchanges(exchanges)


def exchange(n: int) -> Exchange:
    return Exchange(Direction.RECEIVED, NOW.isoformat(), "POST", f"/callback?n={n}", "HTTP/1.1",
                    (), b"{}", 2, 200)  # fmt: skip


def test_exchanges_lost_to_a_full_disk_are_said_once_an_outage(tmp_path: Path) -> None:
    journal = FullDiskJournal(tmp_path / "journal.sqlite3")
    said: list[str] = []

    async def record() -> None:
        writer = GroupCommit(journal, said.append)
        writer.later(exchange(1))
        await writer.close()  # written (and lost) now
        writer.later(exchange(2))
        await writer.close()  # still full: not said again
        journal.full = False
        writer.later(exchange(3))
        await writer.close()  # room again: written
        journal.full = True
        writer.later(exchange(4))
        await writer.close()  # a new outage: said again

    try:
        asyncio.run(record())
        reader = ExchangeReader(journal.path)
        kept = [e.url for e in reader.iter_exchanges()]
        reader.close()
    finally:
        journal.close()
    assert len(said) == 2 and "disk is full" in said[0] and "1 request(s)" in said[0]
    assert kept == ["/callback?n=3"]
