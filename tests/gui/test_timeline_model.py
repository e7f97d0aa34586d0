"""The timeline model: newest on top, upserts, filters, 10,000 rows fed incrementally, lazy and
bounded thumbnails."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot
from qtkit import no_real_keyring, no_running_qthreads  # noqa: F401 - fixtures (two autouse)

from capture.timeline import Counters, RowKind, Status, StatusGroup, TimelineRow
from gui.timeline_model import ROW_ROLE, Column, ThumbnailCache, TimelineModel
from gui.timeline_view import TimelinePanel

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
    assert model.data(index, ROW_ROLE).id == 2


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
        return [proxy.index(r, 0).data(ROW_ROLE).id for r in range(proxy.rowCount())]

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


def test_ten_thousand_rows_fed_in_batches_ask_only_for_visible_thumbnails(qtbot: QtBot) -> None:
    model = TimelineModel()
    panel = TimelinePanel(model)
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    wanted: list[int] = []
    model.thumbnail_wanted.connect(wanted.append)
    inserted: list[int] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append(last - first + 1))
    for start in range(0, 10_000, 500):
        model.apply([row(n) for n in range(start + 1, start + 501)])
    assert model.rowCount() == 10_000
    assert inserted == [500] * 20  # incremental: one insert per batch, never a reset
    assert keys(model)[:3] == [10_000, 9_999, 9_998]
    qtbot.waitUntil(lambda: len(wanted) > 0)
    assert len(wanted) < 50  # only rows on screen, not all 10,000
    assert set(wanted) <= set(range(9_950, 10_001))


def test_thumbnails_are_cached_within_a_bound(qtbot: QtBot) -> None:
    cache = ThumbnailCache(limit=3)
    image = QImage(QSize(192, 108), QImage.Format.Format_RGB888)
    image.fill(0)
    for shot in range(1, 6):
        cache.put(shot, image)
    assert len(cache) == 3
    assert cache.get(1) is None and cache.get(5) is not None
    assert cache.get(5).width() <= 88  # type: ignore[union-attr]


def test_a_delivered_thumbnail_repaints_its_row(qtbot: QtBot) -> None:
    model = TimelineModel()
    model.apply([row(1), row(2)])
    index = model.index(1, Column.THUMB)
    with qtbot.waitSignal(model.thumbnail_wanted) as asked:
        assert model.data(index, Qt.ItemDataRole.DecorationRole) is None
    assert asked.args == [1]
    image = QImage(QSize(192, 108), QImage.Format.Format_RGB888)
    image.fill(0)
    with qtbot.waitSignal(model.dataChanged):
        model.thumbnail_ready(1, image)
    assert model.data(index, Qt.ItemDataRole.DecorationRole) is not None


def test_a_thumbnail_journaled_after_its_row_is_asked_for_and_shown(qtbot: QtBot) -> None:
    model = TimelineModel()
    first = row(1)
    model.apply([replace(first, has_thumbnail=False)])
    index = model.index(0, Column.THUMB)
    wanted: list[int] = []
    model.thumbnail_wanted.connect(wanted.append)
    assert model.data(index, Qt.ItemDataRole.DecorationRole) is None
    assert wanted == []  # nothing to ask for yet
    with qtbot.waitSignal(model.dataChanged):
        model.apply([replace(first, seq=5)])  # the same shot again, now with its thumbnail
    assert model.rowCount() == 1
    with qtbot.waitSignal(model.thumbnail_wanted) as asked:
        assert model.data(index, Qt.ItemDataRole.DecorationRole) is None
    assert asked.args == [1]
    image = QImage(QSize(192, 108), QImage.Format.Format_RGB888)
    image.fill(0)
    model.thumbnail_ready(1, image)
    assert model.data(index, Qt.ItemDataRole.DecorationRole) is not None


def test_cached_thumbnails_come_with_their_corners_rounded(qtbot: QtBot) -> None:
    """The view draws them as they are (no clip path per cell), so the cache rounds them."""
    cache = ThumbnailCache(limit=3)
    image = QImage(QSize(192, 108), QImage.Format.Format_RGB888)
    image.fill(0)
    cache.put(1, image)
    picture = cache.get(1)
    assert picture is not None
    pixels = picture.toImage()
    assert pixels.pixelColor(0, 0).alpha() == 0  # outside the rounded corner
    assert pixels.pixelColor(picture.width() // 2, picture.height() // 2).alpha() == 255
