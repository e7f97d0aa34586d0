"""Journaling received callbacks in group commits, and each request's whole exchange after it.

Every callback is journaled before it is answered. One transaction per callback made the
journal the webhook's bottleneck: each commit rewrites the same few pages (the seq counter,
index leaves) and the loop waits for SQLite each time. Here the callbacks whose requests the
loop has read by the time the journal is free share one transaction, in arrival order; a lone
callback is committed at once. A batch that fails is written again one callback at a time, so
a row SQLite refuses (a number beyond its 64-bit integers, say) fails only its own request and
never the valid callbacks that happened to arrive with it.

A request's exchange (its headers, body and the answer sent) is known only once answered, so
it never holds an answer up: `later` queues it, and the exchanges waiting are written in a
transaction of their own `EXCHANGE_FLUSH_S` after the first of them (or once
`EXCHANGE_BATCH` wait), between the callbacks' group commits. Riding along in those commits
made every one of them longer, and each rewrote the half-filled pages of the exchanges before
it: in batches of their own, each page of exchanges is written about once. `close` writes
them all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from capture.errors import report_unexpected
from capture.journal.schema import journal_unwritable
from capture.journal.writer import CallbackRecord, Exchange, IncomingCallback, Journal

EXCHANGE_FLUSH_S = 0.05  # how long the first exchange waiting waits for others to join it
EXCHANGE_BATCH = 500  # exchanges waiting that are written at once, whatever the time


class GroupCommit:
    """Use from one event loop: `await add(callback)` returns once it is committed."""

    def __init__(
        self, journal: Journal, on_unrecorded: Callable[[str], None] | None = None
    ) -> None:
        self._journal = journal
        self._on_unrecorded = on_unrecorded  # told, once an outage, of exchanges lost to it
        self._losing = False  # exchanges are being lost to a full disk (said once)
        self._waiting: list[tuple[IncomingCallback, asyncio.Future[CallbackRecord]]] = []
        self._exchanges: list[Exchange] = []
        self._writing: asyncio.Task[None] | None = None
        self._flush: asyncio.TimerHandle | None = None
        self._due = False  # the flush came while callbacks were being written
        self._loop: asyncio.AbstractEventLoop | None = None

    async def add(self, callback: IncomingCallback) -> CallbackRecord:
        done: asyncio.Future[CallbackRecord] = self._running().create_future()
        self._waiting.append((callback, done))
        self._start_writing()
        return await done

    def later(self, exchange: Exchange) -> None:
        """Queue `exchange` for the journal, off the answer's path (see the module's doc)."""
        self._exchanges.append(exchange)
        if self._flush is None and not self._due:
            self._flush = self._running().call_later(EXCHANGE_FLUSH_S, self._flushed)

    def _flushed(self) -> None:
        self._flush = None
        if self._writing is None:
            self._write_exchanges()
        else:
            self._due = True  # written between two group commits (`_write_all`)

    def _running(self) -> asyncio.AbstractEventLoop:
        """The loop this is used from, found once (asyncio asks the OS for its pid each time)."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def _start_writing(self) -> None:
        if self._writing is None:
            self._writing = self._running().create_task(self._write_all())

    async def _write_all(self) -> None:
        try:
            while self._waiting:
                await asyncio.sleep(0)  # let requests the loop has already read join in
                batch, self._waiting = self._waiting, []
                try:
                    records = self._journal.add_callbacks([c for c, _ in batch])
                except Exception as exc:
                    if len(batch) == 1:
                        _settle(batch[0][1], exc)
                    else:
                        self._write_one_by_one(batch)
                    continue
                for (_, done), record in zip(batch, records, strict=True):
                    _settle(done, record)
                if self._due or len(self._exchanges) >= EXCHANGE_BATCH:
                    self._write_exchanges()  # after the batch is answered: it never waits on them
        finally:
            self._writing = None
            if self._due:
                self._write_exchanges()

    def _write_exchanges(self) -> None:
        """The exchanges waiting, in one transaction; a failure loses only them (reported)."""
        self._due = False
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        exchanges, self._exchanges = self._exchanges, []
        if not exchanges:
            return
        try:
            self._journal.add_exchanges(exchanges)
        except Exception as exc:
            if not journal_unwritable(exc):
                report_unexpected(f"journaling {len(exchanges)} webhook exchange(s)", exc)
            elif not self._losing and self._on_unrecorded is not None:
                self._on_unrecorded(
                    f"the webhook could not record {len(exchanges)} request(s) whole: the data"
                    f" folder's disk is full ({exc}); until there is room again, the inspector"
                    " and the exports miss requests (their callbacks are journaled as before,"
                    " when they can be)"
                )
            self._losing = journal_unwritable(exc)
        else:
            self._losing = False

    def _write_one_by_one(
        self, batch: list[tuple[IncomingCallback, asyncio.Future[CallbackRecord]]]
    ) -> None:
        """After a failed group commit: each callback in its own transaction, in order."""
        for callback, done in batch:
            try:
                (record,) = self._journal.add_callbacks([callback])
            except Exception as exc:
                _settle(done, exc)
            else:
                _settle(done, record)

    async def close(self) -> None:
        """Commit whatever is still waiting, exchanges included."""
        if self._writing is not None:
            await self._writing
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        if self._exchanges:
            self._write_exchanges()


def _settle(done: asyncio.Future[CallbackRecord], outcome: CallbackRecord | Exception) -> None:
    """Answers a waiting request, unless it gave up waiting (its client went away)."""
    if done.done():
        return
    if isinstance(outcome, Exception):
        done.set_exception(outcome)
    else:
        done.set_result(outcome)
