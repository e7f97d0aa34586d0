"""Where one session's rows end and the previous one's begin, the timeline draws a line
labelled with the session: found from the rows' sessions (a foreign callback belongs to the
session around it), and painted in the palette's colour between the two rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from pytestqt.qtbot import QtBot

from capture.journal.reader import RowKind, Status, TimelineRow
from gui.resources import Palette, colour
from gui.timeline.model import TimelineModel
from gui.timeline.view import TimelinePanel, session_breaks

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def row(n: int, session: int | None, kind: RowKind = RowKind.SHOT) -> TimelineRow:
    return TimelineRow(
        kind=kind,
        id=n,
        seq=n,
        when=T0 + timedelta(seconds=n),
        object_key=f"20250101/key{n}.jpg",
        request_id=f"req-{n}",
        code=200,
        msg="Supervise complete",
        status=Status.VERIFIED if kind is RowKind.SHOT else Status.FOREIGN,
        summary="",
        session_id=session,
    )


def test_breaks_fall_where_the_session_changes() -> None:
    assert session_breaks([]) == []
    assert session_breaks([3, 3, 3]) == []
    assert session_breaks([3, 3, 2, 2, 1]) == [(2, 3), (4, 2)]
    assert session_breaks([3, None, 3, 2]) == [(3, 3)]  # a foreign callback inside session 3
    assert session_breaks([None, 2, None, 1]) == [(3, 2)]


def test_the_line_is_painted_between_the_sessions_rows(qtbot: QtBot) -> None:
    model = TimelineModel()
    panel = TimelinePanel(model)
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    panel.show()
    qtbot.waitExposed(panel)
    model.apply([row(1, 1), row(2, 1), row(3, 2), row(4, None, RowKind.CALLBACK), row(5, 2)])
    table = panel.table
    assert table.visible_breaks() == [(3, 2)]  # view rows: 5, 4, 3 (session 2), then 2, 1
    image = table.viewport().grab().toImage()
    y = table.rowViewportPosition(3)
    line = colour(Palette.ACCENT_EDGE).rgb()
    right = table.viewport().width() - 20
    assert image.pixelColor(right, y).rgb() == line
    assert image.pixelColor(right, y + table.rowHeight(3) // 2).rgb() != line
    model.apply([replace(row(2, 1), session_id=2)])  # row 2 joins session 2: the line moves
    assert table.visible_breaks() == [(4, 2)]
