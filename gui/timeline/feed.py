"""Workers that read the journal for the timeline, so the GUI thread never does.

- `TimelineFeed` delivers the newest rows the window keeps (of all, or of the status group
  the filter shows), then changed rows (`rows_since(seq)`, in batches) and the counters each
  time it is poked (any engine event) or once a second, whichever comes first.
- `ThumbnailLoader` decodes thumbnails on request, newest request first, a bounded backlog.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage

from capture.errors import report_unexpected
from capture.journal.reader import Counters, StatusGroup, TimelineReader, TimelineRow
from capture.runtime import StopToken
from gui.timeline.model import MAX_ROWS, TimelineModel

POLL_S = 1.0
BATCH = 500
FIRST_BATCH = 200  # the window's first rows: about 15 ms of the GUI thread a batch
BACKLOG = 256


Deliver = Callable[[list[TimelineRow], Counters | None, bool], None]


class TimelineFeed:
    """Runnable: `deliver(rows, counters, fresh)` for the newest `window` rows (`fresh` on the
    first batch: the window starts over), then for every change in the journal (rows older
    than the window included: the model lets those go). `set_group` starts the window over
    with the newest rows of a status group, read from the whole journal."""

    def __init__(self, journal: Path, deliver: Deliver, window: int = MAX_ROWS) -> None:
        self._journal = journal
        self._deliver = deliver
        self._window = window
        self._poke = threading.Event()
        self._lock = threading.Lock()
        self._group: StatusGroup | None = None
        self._restart = True

    def poke(self) -> None:
        """Something changed (called from any thread): read now rather than at the next poll."""
        self._poke.set()

    def set_group(self, group: StatusGroup | None) -> None:
        """Start the window over with the newest rows in `group` (None: all rows)."""
        with self._lock:
            self._group, self._restart = group, True
        self._poke.set()

    def run(self, stop: StopToken) -> None:
        stop.on_set(self._poke.set)
        reader = TimelineReader(self._journal)
        seq = 0
        try:
            while not stop.is_set():
                self._poke.clear()
                with self._lock:
                    restart, group, self._restart = self._restart, self._group, False
                if restart:
                    seq = self._start(reader, group)
                batch = reader.rows_since(seq, BATCH)
                seq = batch.seq
                if batch.rows:
                    self._deliver(batch.rows, None if batch.more else reader.counters(), False)
                if batch.more:
                    continue
                self._poke.wait(POLL_S)
        finally:
            reader.close()

    def _start(self, reader: TimelineReader, group: StatusGroup | None) -> int:
        """Deliver the window's rows, oldest first (each batch goes on top), the first batch
        marked fresh (even an empty one: the model clears); returns the seq to go on from."""
        start = reader.newest(self._window, group)
        rows = start.rows
        for at in range(0, max(len(rows), 1), FIRST_BATCH):
            last = at + FIRST_BATCH >= len(rows)
            self._deliver(rows[at : at + FIRST_BATCH], reader.counters() if last else None, at == 0)
        return start.seq


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
