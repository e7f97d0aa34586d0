"""The timeline model: newest on top, upserts, filters, 10,000 rows fed incrementally into a
bounded window, thumbnails asked for by the rows in view and cached within a bound, and a
repaint that never calls into Python."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from types import FrameType
from typing import Self

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage
from pytestqt.qtbot import QtBot

from capture.journal.reader import Counters, RowKind, Status, StatusGroup, TimelineRow
from gui.timeline import model as timeline_model
from gui.timeline.model import THUMB_SIZE, Column, ThumbnailCache, TimelineModel, placeholder
from gui.timeline.view import TimelinePanel, until_midnight_ms

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def row(n: int, status: Status = Status.VERIFIED, kind: RowKind = RowKind.SHOT) -> TimelineRow:
    return TimelineRow(
        kind=kind,
        id=n,
        seq=n,
        when=T0 + timedelta(seconds=n),
        object_key=f"20250101/key{n}.jpg",
        request_id=f"r{n}",
        code=200,
        msg="Supervise complete",
        status=status,
        summary=status.value,
        size=1000,
        has_thumbnail=kind is RowKind.SHOT,
    )


def on_screen(
    qtbot: QtBot, model: TimelineModel, width: int = 900, height: int = 600
) -> tuple[TimelinePanel, list[int]]:
    """`model` in a panel on screen, and the shots whose thumbnails it asks for, in order."""
    panel = TimelinePanel(model)
    qtbot.addWidget(panel)
    panel.resize(width, height)
    panel.show()
    wanted: list[int] = []
    model.thumbnail_wanted.connect(wanted.append)
    return panel, wanted


def picture() -> QImage:
    image = QImage(QSize(192, 108), QImage.Format.Format_RGB888)
    image.fill(0)
    return image


def keys(model: TimelineModel) -> list[int]:
    return [model.row_at(r).id for r in range(model.rowCount())]


def test_newest_rows_are_on_top_and_updates_happen_in_place(qtbot: QtBot) -> None:
    model = TimelineModel()
    model.apply([row(1), row(2)])
    model.apply([row(3)])
    assert keys(model) == [3, 2, 1]
    with qtbot.waitSignal(model.dataChanged):
        model.apply([row(2, Status.FAILED)])
    assert keys(model) == [3, 2, 1]
    assert model.row_at(1).status is Status.FAILED
    index = model.index(1, Column.STATUS)
    assert model.data(index) == "Failed"


def test_a_late_row_is_inserted_where_it_belongs(qtbot: QtBot) -> None:
    model = TimelineModel()
    model.apply([row(1), row(5)])
    model.apply([row(3), row(9), row(7, kind=RowKind.CALLBACK)])
    assert keys(model) == [9, 7, 5, 3, 1]
    model.apply([row(3, Status.FAILED)])  # positions stay right after a middle insert
    assert model.row_at(3).status is Status.FAILED


def test_status_is_shown_by_colour_icon_and_text(qtbot: QtBot) -> None:
    model = TimelineModel()
    model.apply([row(1, Status.FAILED), row(2, Status.VERIFIED)])
    failed = model.index(1, Column.STATUS)
    ok = model.index(0, Column.STATUS)
    assert model.data(failed) == "Failed" and model.data(ok) == "Verified"
    assert model.data(failed, Qt.ItemDataRole.ForegroundRole) != model.data(
        ok, Qt.ItemDataRole.ForegroundRole
    )
    assert not model.data(failed, Qt.ItemDataRole.DecorationRole).isNull()


def test_filters_show_failed_or_pending_rows_only(qtbot: QtBot) -> None:
    model = TimelineModel()
    panel = TimelinePanel(model)
    qtbot.addWidget(panel)
    model.apply(
        [
            row(1, Status.VERIFIED),
            row(2, Status.FAILED),
            row(3, Status.UPLOADING),
            row(4, Status.NO_SHOT),
            row(5, Status.RETRYING),
            row(6, Status.FOREIGN, RowKind.CALLBACK),
        ]
    )
    proxy = panel.proxy

    def shown() -> list[int]:
        return [
            model.row_at(proxy.mapToSource(proxy.index(r, 0)).row()).id
            for r in range(proxy.rowCount())
        ]

    assert shown() == [6, 5, 4, 3, 2, 1]
    panel.filter_group.button(1).click()  # Failed
    assert shown() == [4, 2]
    panel.filter_group.button(2).click()  # Pending
    assert shown() == [5, 3]
    model.apply([row(3, Status.MISMATCH)])  # a pending row that fails moves between filters
    assert shown() == [5]
    panel.set_filter(StatusGroup.FAILED)
    assert shown() == [4, 3, 2]
    panel.set_filter(None)
    assert len(shown()) == 6


def test_follow_newest_selects_each_new_row_until_the_user_picks_another(qtbot: QtBot) -> None:
    model = TimelineModel()
    panel = TimelinePanel(model)
    qtbot.addWidget(panel)
    panel.show()
    model.apply([row(1), row(2)])
    assert panel.current_row().id == 2  # type: ignore[union-attr]
    model.apply([row(3)])
    assert panel.current_row().id == 3  # type: ignore[union-attr]
    panel.select_row(2)  # the user looks at an older row
    assert not panel.follow.isChecked()
    model.apply([row(4)])
    assert panel.current_row().id == 1  # type: ignore[union-attr]
    panel.follow.setChecked(True)
    assert panel.current_row().id == 4  # type: ignore[union-attr]


def test_counter_strip_shows_every_counter(qtbot: QtBot) -> None:
    panel = TimelinePanel(TimelineModel())
    qtbot.addWidget(panel)
    panel.set_counters(Counters(shots=12, uploaded=11, notified=10, callbacks=9, failures=2))
    texts = {name: chip.text() for name, chip in panel.counters.items()}
    assert texts["shots"] == "Shots <b>12</b>"
    assert texts["failures"] == "Failures <b>2</b>"
    assert panel.counters["failures"].property("tone") == "bad"


def test_ten_thousand_rows_fed_in_batches_keep_the_newest_and_ask_only_for_visible_thumbnails(
    qtbot: QtBot,
) -> None:
    model = TimelineModel(limit=2_000)
    panel, wanted = on_screen(qtbot, model)
    inserted: list[int] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append(last - first + 1))
    for start in range(0, 10_000, 500):
        model.apply([row(n) for n in range(start + 1, start + 501)])
    assert inserted == [500] * 20  # incremental: one insert per batch, never a reset
    assert model.rowCount() == 2_000 and model.left_out == 8_000
    assert keys(model)[:3] == [10_000, 9_999, 9_998]
    assert keys(model)[-1] == 8_001
    panel.set_counters(Counters(rows=10_000))  # the journal's count, from the feed
    assert panel.older.isVisibleTo(panel)
    assert "newest 2,000 rows; 8,000 older ones are in the journal" in panel.older.text()
    qtbot.waitUntil(lambda: len(wanted) > 0)
    assert len(wanted) < 50  # only rows on screen, not all 10,000
    assert set(wanted) <= set(range(9_950, 10_001))
    model.apply([row(5, Status.FAILED), row(9_999, Status.FAILED)])  # one let go, one kept
    assert model.rowCount() == 2_000 and model.row_at(1).status is Status.FAILED
    assert 5 not in keys(model)


def test_a_late_row_inside_the_window_is_kept_and_the_oldest_let_go(qtbot: QtBot) -> None:
    model = TimelineModel(limit=3)
    model.apply([row(1), row(3), row(5)])
    model.apply([row(4)])  # newer than the oldest kept: in, and 1 goes
    assert keys(model) == [5, 4, 3] and model.left_out == 1
    model.apply([row(2)])  # older than all three kept
    assert keys(model) == [5, 4, 3] and model.left_out == 1
    model.apply([row(4, Status.FAILED)])  # positions stay right after both
    assert model.row_at(1).status is Status.FAILED
    assert model.view_row_of((RowKind.SHOT, 3)) == 2
    assert model.view_row_of((RowKind.SHOT, 1)) is None


def test_thumbnails_are_cached_within_a_bound(qtbot: QtBot) -> None:
    cache = ThumbnailCache(limit=3)
    image = picture()
    for shot in range(1, 6):
        cache.put(shot, image)
    assert len(cache) == 3
    assert cache.get(1) is None and cache.get(5) is not None
    assert cache.get(5).width() <= 88  # type: ignore[union-attr]


def is_placeholder(model: TimelineModel, view_row: int) -> bool:
    shown = model.data(model.index(view_row, Column.THUMB), Qt.ItemDataRole.DecorationRole)
    return bool(shown.cacheKey() == placeholder().cacheKey())


def test_a_row_in_view_asks_for_its_thumbnail_once_and_shows_it(qtbot: QtBot) -> None:
    model = TimelineModel()
    model.apply([row(1), row(2)])
    wanted: list[int] = []
    model.thumbnail_wanted.connect(wanted.append)
    model.want_thumbnails([1])
    model.want_thumbnails([0, 1])  # row 1 (shot 1) was asked for already
    assert wanted == [1, 2]
    assert is_placeholder(model, 1)
    image = picture()
    with qtbot.waitSignal(model.dataChanged):
        model.thumbnail_ready(1, image)
    assert not is_placeholder(model, 1)
    model.thumbnail_ready(2, QImage())  # none yet: asked again when next in view
    model.want_thumbnails([0, 1])
    assert wanted == [1, 2, 2]


def test_a_selected_row_shows_its_thumbnail_untinted(qtbot: QtBot) -> None:
    model = TimelineModel()
    model.apply([row(1)])
    image = picture()
    image.fill(QColor("#c07030"))
    model.thumbnail_ready(1, image)
    shown = model.data(model.index(0, Column.THUMB), Qt.ItemDataRole.DecorationRole)
    assert isinstance(shown, QIcon)
    normal = shown.pixmap(THUMB_SIZE, QIcon.Mode.Normal).toImage()
    selected = shown.pixmap(THUMB_SIZE, QIcon.Mode.Selected).toImage()
    assert normal.pixelColor(40, 25) == QColor("#c07030")
    assert selected == normal  # the style would blend a plain pixmap with the highlight


def test_a_thumbnail_the_cache_lets_go_leaves_its_cell_too(qtbot: QtBot) -> None:
    """No cell keeps an evicted pixmap alive: the cache's bound is the memory's bound."""
    model = TimelineModel(cache=ThumbnailCache(limit=2))
    model.apply([row(n) for n in (1, 2, 3)])
    image = picture()
    for shot in (1, 2, 3):
        model.thumbnail_ready(shot, image)
    assert [is_placeholder(model, r) for r in range(3)] == [False, False, True]  # 3, 2, 1


def test_a_dropped_request_is_asked_again_while_its_row_is_in_view(qtbot: QtBot) -> None:
    model = TimelineModel()
    model.apply([row(1)])
    wanted: list[int] = []
    model.thumbnail_wanted.connect(wanted.append)
    model.want_thumbnails([0])
    with qtbot.waitSignal(model.thumbnail_forgotten):
        model.thumbnail_dropped(1)
    model.want_thumbnails([0])
    assert wanted == [1, 1]


def test_a_thumbnail_journaled_after_its_row_is_asked_for_and_shown(qtbot: QtBot) -> None:
    model = TimelineModel()
    first = row(1)
    model.apply([replace(first, has_thumbnail=False)])
    wanted: list[int] = []
    model.thumbnail_wanted.connect(wanted.append)
    model.want_thumbnails([0])
    assert wanted == []  # nothing to ask for yet
    with qtbot.waitSignal(model.dataChanged):
        model.apply([replace(first, seq=5)])  # the same shot again, now with its thumbnail
    assert model.rowCount() == 1
    model.want_thumbnails([0])
    assert wanted == [1]
    image = picture()
    model.thumbnail_ready(1, image)
    assert not is_placeholder(model, 0)


def test_the_panel_asks_for_the_thumbnails_of_the_rows_it_scrolls_to(qtbot: QtBot) -> None:
    model = TimelineModel()
    panel, wanted = on_screen(qtbot, model, height=500)
    model.apply([row(n) for n in range(1, 201)])
    qtbot.waitUntil(lambda: 200 in wanted)
    assert 1 not in wanted
    panel.table.scrollToBottom()
    qtbot.waitUntil(lambda: 1 in wanted)
    shown = [model.row_at(r).id for r in panel.rows_in_view()]
    assert 1 in shown and set(shown) <= set(wanted)


def test_repainting_the_table_runs_no_python(qtbot: QtBot) -> None:
    """A call into Python from a repaint must win the interpreter lock, and while another
    thread runs Python each can wait a switch interval (5 ms): the cells are Qt's own."""
    model = TimelineModel()
    panel, _wanted = on_screen(qtbot, model, height=700)
    model.apply([row(n, Status.FAILED if n % 3 else Status.VERIFIED) for n in range(1, 40)])
    image = picture()
    for shot in range(30, 40):
        model.thumbnail_ready(shot, image)
    qtbot.waitExposed(panel)
    viewport = panel.table.viewport()
    viewport.repaint()
    calls: list[str] = []

    def profile(frame: FrameType, event: str, _arg: object) -> None:
        if event == "call":
            calls.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name}")

    sys.setprofile(profile)
    try:
        viewport.repaint()
    finally:
        sys.setprofile(None)
    assert calls == []
    panel.table.setColumnHidden(Column.THUMB, False)  # the profile saw calls, had there been any
    sys.setprofile(profile)
    try:
        model.row_at(0)
    finally:
        sys.setprofile(None)
    assert any("row_at" in call for call in calls)


def test_the_note_on_older_rows_shows_only_when_the_journal_holds_more(qtbot: QtBot) -> None:
    model = TimelineModel(limit=3)
    panel = TimelinePanel(model)
    qtbot.addWidget(panel)
    model.apply([row(n) for n in range(1, 4)])
    panel.set_counters(Counters(rows=3))
    assert not panel.older.isVisibleTo(panel)
    model.apply([row(4)])
    panel.set_counters(Counters(rows=4))
    assert panel.older.isVisibleTo(panel)
    assert panel.older.text().startswith("Showing the newest 3 rows; 1 older one")


def test_capture_times_get_their_day_once_it_is_not_today(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    model = TimelineModel()
    model.apply([replace(row(1), when=now)])
    text = model.data(model.index(0, Column.SHOT))
    assert text.startswith(now.astimezone().strftime("%H:%M:%S."))

    class Tomorrow(date):
        @classmethod
        def today(cls) -> Self:
            return cls.fromordinal(date.today().toordinal() + 1)

    monkeypatch.setattr(timeline_model, "date", Tomorrow)
    model.restamp()
    day = now.astimezone().strftime("%b %d ")
    assert model.data(model.index(0, Column.SHOT)).startswith(day + text.split("\n")[0])


def test_the_timeline_restamps_one_second_past_each_local_midnight() -> None:
    zone = timezone(timedelta(hours=2))
    assert until_midnight_ms(datetime(2026, 3, 1, 23, 59, 59, tzinfo=zone)) == 2_000
    assert until_midnight_ms(datetime(2026, 3, 1, 0, 0, 1, tzinfo=zone)) == 86_400_000


def test_with_a_group_shown_new_rows_outside_it_are_not_kept(qtbot: QtBot) -> None:
    model = TimelineModel()
    model.apply([row(1, Status.UPLOADING)])
    model.group = StatusGroup.FAILED
    model.apply([row(2, Status.VERIFIED), row(3, Status.FAILED), row(1, Status.VERIFIED)])
    assert keys(model) == [3, 1]  # 2 not kept; 1 was there already and stays (updated)
    assert model.row_at(1).status is Status.VERIFIED
    model.restart()
    assert model.rowCount() == 0 and keys(model) == []
    model.apply([row(4, Status.NO_SHOT)])
    assert keys(model) == [4] and model.view_row_of((RowKind.SHOT, 4)) == 0


def test_tooltips_are_worded_from_the_row(qtbot: QtBot) -> None:
    model = TimelineModel()
    model.apply([row(1, Status.FAILED)])
    assert model.tooltip(0, Column.SHOT).endswith("20250101/key1.jpg")
    assert model.tooltip(0, Column.STATUS) == "failed"


def test_cached_thumbnails_come_with_their_corners_rounded(qtbot: QtBot) -> None:
    """The view draws them as they are (no clip path per cell), so the cache rounds them."""
    cache = ThumbnailCache(limit=3)
    image = picture()
    cache.put(1, image)
    rounded = cache.get(1)
    assert rounded is not None
    pixels = rounded.toImage()
    assert pixels.pixelColor(0, 0).alpha() == 0  # outside the rounded corner
    assert pixels.pixelColor(rounded.width() // 2, rounded.height() // 2).alpha() == 255


def test_a_row_whose_thumbnail_is_pushed_out_of_the_cache_asks_again(qtbot: QtBot) -> None:
    """Answers to older requests (a fast scroll asked for more than the cache holds) push out
    the thumbnails of the rows in view: each pushed out is forgotten, so the view asks again."""
    model = TimelineModel(ThumbnailCache(limit=2))
    model.apply([row(n) for n in range(1, 6)])
    forgotten: list[int] = []
    model.thumbnail_forgotten.connect(forgotten.append)
    for shot in (5, 4, 3, 2, 1):  # the newest requests served first, then the older ones
        model.thumbnail_ready(shot, picture())
    assert forgotten == [5, 4, 3]
    assert model.cache.get(5) is None
    wanted: list[int] = []
    model.thumbnail_wanted.connect(wanted.append)
    model.want_thumbnails([0])  # the newest row (shot 5) is in view again
    assert wanted == [5]


def test_rows_hold_still_under_the_pointer_and_the_new_ones_wait_above(qtbot: QtBot) -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    model = TimelineModel()
    panel = TimelinePanel(model)
    qtbot.addWidget(panel)
    panel.resize(900, 400)
    panel.show()
    model.apply([row(n) for n in range(1, 31)])
    assert panel.current_row().id == 30  # type: ignore[union-attr]
    viewport = panel.table.viewport()
    QApplication.sendEvent(viewport, QEvent(QEvent.Type.Enter))  # the pointer comes over it
    top = panel.table.indexAt(viewport.rect().topLeft()).row()
    shown_before = panel.proxy.index(top, 0).data()
    model.apply([row(31), row(32)])
    qtbot.waitUntil(panel.new_rows.isVisible)
    assert panel.new_rows.text() == "2 new"
    top = panel.table.indexAt(viewport.rect().topLeft()).row()
    assert panel.proxy.index(top, 0).data() == shown_before  # the same row under the pointer
    assert panel.current_row().id == 30  # type: ignore[union-attr]
    model.apply([row(33)])
    assert panel.new_rows.text() == "3 new"

    panel.new_rows.click()  # show them
    assert panel.new_rows.isHidden()
    assert panel.current_row().id == 33  # type: ignore[union-attr]
    assert panel.table.verticalScrollBar().value() == 0

    model.apply([row(34)])
    assert panel.new_rows.text() == "1 new"
    QApplication.sendEvent(viewport, QEvent(QEvent.Type.Leave))  # Follow newest catches up
    assert panel.new_rows.isHidden()
    assert panel.current_row().id == 34  # type: ignore[union-attr]
