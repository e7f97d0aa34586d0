"""Thumbnails in the timeline with the real parts: a journal on disk with more shots than the
thumbnail loader's backlog, the feed and the loader on their QThreads, the model and the panel
on Qt's offscreen platform, wired as gui/controller.py wires them."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QObject, Signal
from pytestqt.qtbot import QtBot

from capture.errors import install_excepthooks
from capture.journal.reader import Counters, StatusGroup, TimelineRow
from capture.journal.writer import Journal, NewShot
from capture.runtime import Worker
from capture.shooting.encoder import encode_jpeg
from capture.spec.naming import utc_digits
from gui.timeline.feed import BACKLOG, ThumbnailLoader, TimelineFeed
from gui.timeline.model import MAX_ROWS, TimelineModel
from gui.timeline.view import TimelinePanel
from gui.workers import make_spawn
from tests.support.waits import WAIT_S

SHOTS = 600  # more than the loader's backlog, and more than the model's thumbnail cache
SID = "0" * 32
T0 = datetime(2025, 1, 1, tzinfo=UTC)
WAIT_MS = int(WAIT_S * 1000)  # a loaded machine may need the ping-pong of a full cache a while
STOP_S = 5.0


@pytest.fixture(scope="module")
def thumbnail() -> bytes:
    picture = np.full((108, 192, 3), (40, 120, 200), dtype=np.uint8)
    return encode_jpeg(picture, 70)


def fill(path: Path, jpeg: bytes, shots: int = SHOTS, first: int = 0, failed: int = 0) -> list[int]:
    """`shots` shots captured a second apart, from `first` seconds past T0, the first `failed`
    of them intervals without a shot (206: the failed group); their ids."""
    journal = Journal(path)
    try:
        session = journal.start_session(
            source="test", storage="local", callback_url="", settings={}
        )
        ids = []
        for n in range(first, first + shots):
            when = utc_digits(T0 + timedelta(seconds=n))
            key = f"20250101/{SID}_demo__uid_s_1__uid_e_video_{when}.jpg"
            if n - first < failed:
                shot = NewShot(session, n, SID, 1, "demo", key, when, 206, "no frame yet")
            else:
                shot = NewShot(session, n, SID, 1, "demo", key, when, 200, "ok", thumbnail=jpeg)
            ids.append(journal.add_shot(shot))
        return ids
    finally:
        journal.close()


class _Rows(QObject):
    rows = Signal(object, object, bool)


class Timeline:
    """The window's timeline without the rest of the window: model, panel, feed and loader."""

    def __init__(self, qtbot: QtBot, journal: Path, window: int = MAX_ROWS) -> None:
        self.path = journal
        self.batches: list[int] = []  # the size of each delivery
        self.ids: list[int] = []
        self.asked: list[int] = []
        self.crashes: list[tuple[str, BaseException]] = []
        self.spawn = make_spawn(lambda name, exc: self.crashes.append((name, exc)))
        self.model = TimelineModel(limit=window)
        self.panel = TimelinePanel(self.model)
        qtbot.addWidget(self.panel)
        self.panel.resize(900, 600)
        self.signals = _Rows()
        self.signals.rows.connect(self._rows)
        self.feed = TimelineFeed(journal, self.signals.rows.emit, window)
        self.panel.filter_changed.connect(self.feed.set_group)
        self.loader = ThumbnailLoader(journal)
        self.loader.serve(self.model)
        self.model.thumbnail_wanted.connect(self.asked.append)
        self.workers: list[Worker] = []

    def _rows(self, rows: list[TimelineRow], counters: Counters | None, fresh: bool) -> None:
        self.batches.append(len(rows))
        self.panel.show_rows(rows, counters, fresh)

    def start(self, name: str) -> None:
        worker = self.spawn(name, self.feed if name == "timeline" else self.loader)
        worker.start()
        self.workers.append(worker)

    def stop(self) -> None:
        for worker in self.workers:
            worker.request_stop()
        for worker in self.workers:
            assert worker.join(STOP_S), f"{worker} did not stop"
        assert self.crashes == []

    # -- what the user sees --------------------------------------------------------------------

    def visible_ids(self) -> list[int]:
        table = self.panel.table
        proxy = self.panel.proxy
        top = table.rowAt(0)
        bottom = table.rowAt(table.viewport().height() - 1)
        bottom = proxy.rowCount() - 1 if bottom < 0 else bottom
        source = [proxy.mapToSource(proxy.index(r, 0)).row() for r in range(top, bottom + 1)]
        return [self.model.row_at(r).id for r in source]

    def missing(self) -> list[int]:
        """Visible rows not showing their thumbnail."""
        return [shot for shot in self.visible_ids() if self.model.cache.get(shot) is None]

    def scroll_to(self, value: int) -> None:
        """Scroll as the user does, then paint the view at once."""
        self.panel.table.verticalScrollBar().setValue(value)
        self.panel.table.viewport().repaint()

    def scroll_through(self) -> None:
        """A fast scroll from top to bottom, a page at a time, painting each page at once
        (without returning to the event loop, so nothing the loader sends arrives meanwhile)."""
        for value in self.pages():
            self.scroll_to(value)

    def pages(self) -> list[int]:
        bar = self.panel.table.verticalScrollBar()
        return [*range(0, bar.maximum(), self.panel.table.viewport().height()), bar.maximum()]


TimelineFactory = Callable[..., Timeline]


@pytest.fixture
def make_timeline(qtbot: QtBot, tmp_path: Path, thumbnail: bytes) -> Iterator[TimelineFactory]:
    """A journal of `shots` shots with `jpeg` as thumbnail, the feed started, all rows in the
    model and the panel painted once (from then on `repaint()` paints at once)."""
    made: list[Timeline] = []

    def factory(shots: int = SHOTS, jpeg: bytes = thumbnail) -> Timeline:
        path = tmp_path / f"journal{len(made)}.sqlite3"
        timeline = Timeline(qtbot, path)
        made.append(timeline)
        timeline.ids = fill(path, jpeg, shots)
        timeline.start("timeline")
        qtbot.waitUntil(lambda: timeline.model.rowCount() == shots, timeout=WAIT_MS)
        timeline.panel.show()
        timeline.panel.follow.setChecked(False)
        qtbot.waitUntil(lambda: timeline.asked != [], timeout=WAIT_MS)  # painted
        return timeline

    yield factory
    for timeline in made:
        timeline.stop()


def wait_shown(qtbot: QtBot, timeline: Timeline, where: str) -> None:
    def shown() -> None:
        assert timeline.missing() == [], f"rows in view without their thumbnail ({where})"

    qtbot.waitUntil(shown, timeout=WAIT_MS)


def test_rows_skipped_while_the_loader_is_behind_get_their_thumbnail_when_seen_again(
    qtbot: QtBot, make_timeline: TimelineFactory
) -> None:
    timeline = make_timeline()
    top_rows = timeline.visible_ids()
    # A fast scroll to the bottom while the loader is behind (here: not started yet), so that
    # it gets more requests than its backlog holds: the oldest (the top rows) are dropped.
    timeline.scroll_through()
    assert len(set(timeline.asked)) > BACKLOG
    assert not set(top_rows) & set(timeline.asked[-BACKLOG:])  # pushed out of the backlog
    timeline.start("thumbnails")
    wait_shown(qtbot, timeline, "bottom, the newest requests")

    # Every page the user then scrolls to shows its thumbnails, the top rows included.
    for value in timeline.pages():
        timeline.scroll_to(value)
        wait_shown(qtbot, timeline, f"scrolled to {value}")
        if value == 0:
            assert timeline.visible_ids() == top_rows
    assert len(timeline.model.cache) <= timeline.model.cache.limit < SHOTS


def test_a_row_still_in_view_when_its_request_is_dropped_asks_again_by_itself(
    qtbot: QtBot, make_timeline: TimelineFactory
) -> None:
    timeline = make_timeline()
    top_rows = timeline.visible_ids()
    timeline.scroll_through()
    timeline.scroll_to(0)  # back on top before any news from the loader: nothing asked anew
    assert timeline.visible_ids() == top_rows
    assert timeline.asked.count(top_rows[0]) == 1
    timeline.start("thumbnails")
    wait_shown(qtbot, timeline, "top, not scrolled again")


def test_a_thumbnail_unreadable_at_first_shows_once_it_is_journaled_again(
    qtbot: QtBot, make_timeline: TimelineFactory, thumbnail: bytes
) -> None:
    timeline = make_timeline(shots=3, jpeg=b"not a jpeg")
    answers: list[tuple[int, bool]] = []  # shot, null image
    timeline.loader.signals.loaded.connect(
        lambda shot, image: answers.append((shot, image.isNull()))
    )
    timeline.start("thumbnails")
    qtbot.waitUntil(lambda: {shot for shot, _ in answers} == set(timeline.ids), timeout=WAIT_MS)
    assert all(null for _, null in answers)  # read, but nothing to show
    assert sorted(timeline.missing()) == timeline.ids
    journal = Journal(timeline.path)
    try:
        journal.add_thumbnail(timeline.ids, thumbnail)  # the shots' seq moves on
    finally:
        journal.close()
    timeline.feed.poke()  # as the engine's thumbnail_ready event does in the window
    wait_shown(qtbot, timeline, "after the thumbnails were journaled again")


def rename(journal: Path, table: str, to: str) -> None:
    with closing(sqlite3.connect(journal)) as db, db:
        db.execute(f"ALTER TABLE {table} RENAME TO {to}")


def test_a_failed_read_is_reported_and_asked_again_and_the_loader_carries_on(
    qtbot: QtBot, make_timeline: TimelineFactory
) -> None:
    timeline = make_timeline(shots=60)
    top_rows = timeline.visible_ids()
    reports: list[tuple[str, BaseException]] = []
    restore = install_excepthooks(lambda where, exc: reports.append((where, exc)))
    try:
        rename(timeline.path, "thumbnails", "thumbnails_away")  # the loader's reads fail
        with qtbot.waitSignal(timeline.loader.signals.loaded, timeout=WAIT_MS) as answer:
            timeline.start("thumbnails")
        assert answer.args[0] == top_rows[0] and answer.args[1].isNull()
        qtbot.waitUntil(lambda: len(reports) >= len(top_rows), timeout=WAIT_MS)
        assert all(isinstance(exc, sqlite3.OperationalError) for _, exc in reports)
        assert timeline.missing() == top_rows
        rename(timeline.path, "thumbnails_away", "thumbnails")
        timeline.scroll_to(timeline.pages()[-1])  # the user scrolls away and back:
        timeline.scroll_to(0)  # the rows in view ask again
        wait_shown(qtbot, timeline, "after the read works again")
    finally:
        restore()


def test_the_feed_starts_with_the_newest_rows_of_a_long_history(
    qtbot: QtBot, tmp_path: Path, thumbnail: bytes
) -> None:
    path = tmp_path / "journal.sqlite3"
    ids = fill(path, thumbnail, 50)
    timeline = Timeline(qtbot, path, window=20)
    timeline.start("timeline")
    try:
        qtbot.waitUntil(lambda: timeline.model.rowCount() == 20, timeout=WAIT_MS)
        assert timeline.batches[0] == 20  # the window at once, not the history from its start
        assert [timeline.model.row_at(r).id for r in range(20)] == ids[::-1][:20]
        qtbot.waitUntil(lambda: timeline.panel.older.isVisibleTo(timeline.panel))
        assert "newest 20 rows; 30 older ones" in timeline.panel.older.text()
        [newer] = fill(path, thumbnail, 1, first=1000)
        qtbot.waitUntil(lambda: timeline.model.row_at(0).id == newer, timeout=WAIT_MS)
        assert timeline.model.rowCount() == 20
        assert "newest 20 rows; 31 older ones" in timeline.panel.older.text()
    finally:
        timeline.stop()


def test_a_filter_shows_the_newest_rows_of_its_group_from_the_whole_journal(
    qtbot: QtBot, tmp_path: Path, thumbnail: bytes
) -> None:
    """30 old intervals without a shot, then 20 good shots: the window of 20 holds only good
    ones, and Failed still finds the failures, read from the journal."""
    path = tmp_path / "journal.sqlite3"
    ids = fill(path, thumbnail, 50, failed=30)
    timeline = Timeline(qtbot, path, window=20)
    timeline.start("timeline")
    model, panel = timeline.model, timeline.panel

    def shown() -> list[int]:
        proxy = panel.proxy
        rows = [proxy.mapToSource(proxy.index(r, 0)).row() for r in range(proxy.rowCount())]
        return [model.row_at(r).id for r in rows]

    try:
        qtbot.waitUntil(lambda: shown() == ids[::-1][:20], timeout=WAIT_MS)
        assert not panel.older.isHidden() and "30 older ones" in panel.older.text()
        panel.set_filter(StatusGroup.FAILED)
        qtbot.waitUntil(lambda: shown() == ids[29:9:-1], timeout=WAIT_MS)  # 20 newest failed
        qtbot.waitUntil(lambda: "newest 20 failed rows; 10 older" in panel.older.text())
        assert all(model.row_at(r).status.group is StatusGroup.FAILED for r in range(20))
        [failing] = fill(path, thumbnail, 1, first=1000, failed=1)  # a new one arrives
        [good] = fill(path, thumbnail, 1, first=1001)  # and a good one, not kept meanwhile
        qtbot.waitUntil(lambda: shown()[0] == failing, timeout=WAIT_MS)
        assert good not in [model.row_at(r).id for r in range(model.rowCount())]
        panel.set_filter(None)
        qtbot.waitUntil(lambda: shown()[:2] == [good, failing], timeout=WAIT_MS)
        assert len(shown()) == 20
    finally:
        timeline.stop()
