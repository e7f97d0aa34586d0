"""Workers that read the journal for the timeline, so the GUI thread never does.

- `TimelineFeed` delivers the newest rows the window keeps (of all, or of those the search
  and filters find: a `Query` the journal answers in SQL, over every row it holds), then
  changed rows (`rows_since(seq)`, in batches, the query's only) and the counters (all-time,
  the newest session's, and how many rows the query finds) each time it is poked (any engine
  event) or once a second, whichever comes first.
- `ThumbnailLoader` decodes thumbnails on request, newest request first, a bounded backlog.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage

from capture.errors import report_unexpected
from capture.journal.query import Query
from capture.journal.reader import Counters, StatusGroup, TimelineReader, TimelineRow
from capture.runtime import StopToken
from gui.timeline.model import MAX_ROWS, TimelineModel

POLL_S = 1.0
BATCH = 500
FIRST_BATCH = 200  # the window's first rows: about 15 ms of the GUI thread a batch
BACKLOG = 256


Deliver = Callable[[list[TimelineRow], Counters | None, bool], None]
Applied = Callable[[Query], None]


class TimelineFeed:
    """Runnable: `deliver(rows, counters, fresh)` for the newest `window` rows (`fresh` on the
    first batch: the window starts over), then for every change in the journal (rows older
    than the window included: the model lets those go). `set_query` (or `set_group`) starts the
    window over with the newest rows the query finds in the whole journal; `applied(query)`,
    when given, is called just before that start's first batch, so the window knows which
    query the rows that follow answer."""

    def __init__(
        self,
        journal: Path,
        deliver: Deliver,
        window: int = MAX_ROWS,
        applied: Applied | None = None,
    ) -> None:
        self._journal = journal
        self._deliver = deliver
        self._applied = applied
        self._window = window
        self._poke = threading.Event()
        self._lock = threading.Lock()
        self._query = Query()
        self._restart = True

    def poke(self) -> None:
        """Something changed (called from any thread): read now rather than at the next poll."""
        self._poke.set()

    def set_group(self, group: StatusGroup | None) -> None:
        """Start the window over with the newest rows in `group` (None: all rows)."""
        with self._lock:
            q = self._query
            self._query = Query(q.text, q.statuses, group, q.session_id, q.since, q.until)
            self._restart = True
        self._poke.set()

    def set_query(self, query: Query) -> None:
        """Start the window over with the newest rows `query` finds."""
        with self._lock:
            self._query, self._restart = query, True
        self._poke.set()

    def run(self, stop: StopToken) -> None:
        stop.on_set(self._poke.set)
        reader = TimelineReader(self._journal)
        seq = 0
        try:
            while not stop.is_set():
                self._poke.clear()
                with self._lock:
                    restart, query, self._restart = self._restart, self._query, False
                if restart:
                    seq = self._start(reader, query)
                changes = query.without_group() if query.narrows_beyond_group else None
                batch = reader.rows_since(seq, BATCH, changes)
                seq = batch.seq
                if batch.rows:
                    counters = None if batch.more else tally(reader, query)
                    self._deliver(batch.rows, counters, False)
                if batch.more:
                    continue
                self._poke.wait(POLL_S)
        finally:
            reader.close()

    def _start(self, reader: TimelineReader, query: Query) -> int:
        """Deliver the window's rows, oldest first (each batch goes on top), the first batch
        marked fresh (even an empty one: the model clears); returns the seq to go on from."""
        start = reader.newest(self._window, query=query)
        if self._applied is not None:
            self._applied(query)
        rows = start.rows
        for at in range(0, max(len(rows), 1), FIRST_BATCH):
            last = at + FIRST_BATCH >= len(rows)
            counters = tally(reader, query) if last else None
            self._deliver(rows[at : at + FIRST_BATCH], counters, at == 0)
        return start.seq


def tally(reader: TimelineReader, query: Query) -> Counters:
    """The all-time counters, with the newest session's and, for a search or a filter beyond
    the status group, how many rows it finds in the whole journal."""
    newest = reader.sessions(limit=1)
    matching = reader.matching(query) if query.narrows_beyond_group else None
    return replace(reader.counters(), session=newest[0] if newest else None, matching=matching)


class ThumbnailSignals(QObject):
    loaded = Signal(int, QImage)  # shot id, its thumbnail (null: none to show this time)
    dropped = Signal(int)  # shot id whose request left the full backlog unserved


class ThumbnailLoader:
    """Runnable: `request(shot_id)` from the GUI; `signals.loaded(shot_id, image)` when decoded
    (a null image when there is none or it could not be read), `signals.dropped(shot_id)` for a
    request pushed out of the full backlog (the oldest goes). Either way the model must forget
    that it asked, or that row would never ask again: `serve` wires both to the model."""

    def __init__(self, journal: Path) -> None:
        self._journal = journal
        self.signals = ThumbnailSignals()
        self._cond = threading.Condition()
        self._wanted: OrderedDict[int, None] = OrderedDict()

    def serve(self, model: TimelineModel) -> None:
        model.thumbnail_wanted.connect(self.request)
        self.signals.loaded.connect(model.thumbnail_ready)
        # Queued: `request` runs inside the model's data(), while the view paints.
        self.signals.dropped.connect(model.thumbnail_dropped, Qt.ConnectionType.QueuedConnection)

    def request(self, shot_id: int) -> None:
        dropped: list[int] = []
        with self._cond:
            self._wanted.pop(shot_id, None)
            self._wanted[shot_id] = None  # newest last: served first
            while len(self._wanted) > BACKLOG:
                dropped.append(self._wanted.popitem(last=False)[0])
            self._cond.notify()
        for stale in dropped:
            self.signals.dropped.emit(stale)

    def run(self, stop: StopToken) -> None:
        stop.on_set(self._wake)
        reader = TimelineReader(self._journal)
        try:
            while not stop.is_set():
                with self._cond:
                    while not self._wanted and not stop.is_set():
                        self._cond.wait()
                    if stop.is_set():
                        break
                    shot_id, _ = self._wanted.popitem(last=True)
                self.signals.loaded.emit(shot_id, _load(reader, shot_id))
        finally:
            reader.close()

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()


def _load(reader: TimelineReader, shot_id: int) -> QImage:
    """The shot's thumbnail, or a null image (none yet, or unreadable: asked again later)."""
    try:
        data = reader.thumbnail(shot_id)
    except sqlite3.Error as exc:  # one failed read must not end the loader
        report_unexpected(f"reading the thumbnail of shot {shot_id}", exc)
        return QImage()
    return QImage.fromData(data) if data else QImage()
