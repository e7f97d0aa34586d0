"""Workers that read the journal for the timeline, so the GUI thread never does.

- `TimelineFeed` delivers changed rows (`rows_since(seq)`, in batches) and the counters each
  time it is poked (any engine event) or once a second, whichever comes first.
- `ThumbnailLoader` decodes thumbnails on request, newest request first, a bounded backlog.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QImage

from capture.runtime import StopToken
from capture.timeline import Counters, TimelineReader, TimelineRow

POLL_S = 1.0
BATCH = 500
BACKLOG = 256


class TimelineFeed:
    """Runnable: `deliver(rows, counters)` for every change in the journal."""

    def __init__(
        self, journal: Path, deliver: Callable[[list[TimelineRow], Counters | None], None]
    ) -> None:
        self._journal = journal
        self._deliver = deliver
        self._poke = threading.Event()

    def poke(self) -> None:
        """Something changed (called from any thread): read now rather than at the next poll."""
        self._poke.set()

    def run(self, stop: StopToken) -> None:
        stop.on_set(self._poke.set)
        reader = TimelineReader(self._journal)
        seq = 0
        try:
            while not stop.is_set():
                self._poke.clear()
                batch = reader.rows_since(seq, BATCH)
                seq = batch.seq
                if batch.rows:
                    self._deliver(batch.rows, None if batch.more else reader.counters())
                if batch.more:
                    continue
                self._poke.wait(POLL_S)
        finally:
            reader.close()


class ThumbnailLoader:
    """Runnable: `request(shot_id)` from the GUI; `deliver(shot_id, image)` when decoded."""

    def __init__(self, journal: Path, deliver: Callable[[int, QImage], None]) -> None:
        self._journal = journal
        self._deliver = deliver
        self._cond = threading.Condition()
        self._wanted: OrderedDict[int, None] = OrderedDict()

    def request(self, shot_id: int) -> None:
        with self._cond:
            self._wanted.pop(shot_id, None)
            self._wanted[shot_id] = None  # newest last: served first
            while len(self._wanted) > BACKLOG:
                self._wanted.popitem(last=False)
            self._cond.notify()

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
                data = reader.thumbnail(shot_id)
                image = QImage.fromData(data) if data else QImage()
                self._deliver(shot_id, image)
        finally:
            reader.close()

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()
