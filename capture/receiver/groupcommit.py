"""Journaling received callbacks in group commits.

Every callback is journaled before it is answered. One transaction per callback made the
journal the webhook's bottleneck: each commit rewrites the same few pages (the seq counter,
index leaves) and the loop waits for SQLite each time. Here the callbacks whose requests the
loop has read by the time the journal is free share one transaction, in arrival order; a lone
callback is committed at once. A batch that fails is written again one callback at a time, so
a row SQLite refuses (a number beyond its 64-bit integers, say) fails only its own request and
never the valid callbacks that happened to arrive with it.
"""

from __future__ import annotations

import asyncio

from capture.journal.writer import CallbackRecord, IncomingCallback, Journal


class GroupCommit:
    """Use from one event loop: `await add(callback)` returns once it is committed."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._waiting: list[tuple[IncomingCallback, asyncio.Future[CallbackRecord]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def add(self, callback: IncomingCallback) -> CallbackRecord:
        done: asyncio.Future[CallbackRecord] = asyncio.get_running_loop().create_future()
        self._waiting.append((callback, done))
        if self._writing is None:
            self._writing = asyncio.create_task(self._write_all())
        return await done

    async def _write_all(self) -> None:
        try:
            while self._waiting:
                await asyncio.sleep(0)  # let requests the loop has already read join in
                batch, self._waiting = self._waiting, []
                try:
                    records = self._journal.add_callbacks([callback for callback, _ in batch])
                except Exception as exc:
                    if len(batch) == 1:
                        _settle(batch[0][1], exc)
                    else:
                        self._write_one_by_one(batch)
                    continue
                for (_, done), record in zip(batch, records, strict=True):
                    _settle(done, record)
        finally:
            self._writing = None

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
        """Commit whatever is still waiting."""
        if self._writing is not None:
            await self._writing


def _settle(done: asyncio.Future[CallbackRecord], outcome: CallbackRecord | Exception) -> None:
    """Answers a waiting request, unless it gave up waiting (its client went away)."""
    if done.done():
        return
    if isinstance(outcome, Exception):
        done.set_exception(outcome)
    else:
        done.set_result(outcome)
