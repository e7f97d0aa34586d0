"""The detail pane shows the selected row's facts, and refreshing it for each new row reuses
its widgets rather than building new ones."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from capture.journal.reader import Detail, RowKind, Status, TimelineRow
from gui.timeline.detail import DetailPane

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def detail(n: int, kind: RowKind = RowKind.SHOT, error: str = "") -> Detail:
    row = TimelineRow(
        kind=kind,
        id=n,
        seq=n,
        when=T0,
        object_key=f"20250101/key{n}.jpg",
        request_id=f"r{n}",
        code=200,
        msg="Supervise complete",
        status=Status.VERIFIED if kind is RowKind.SHOT else Status.FOREIGN,
        summary="verified",
        size=1000 * n,
        width=1920,
        height=1080,
        upload_error=error,
    )
    return Detail(row, f'{{"n": {n}}}', "http://127.0.0.1:1/cb", (), "", "not here")


def facts(pane: DetailPane) -> dict[str, str]:
    return {name: value.replace("\u200b", "") for name, value in pane.fact_rows()}


def test_a_new_row_reuses_the_fact_labels_and_shows_its_own_values(qtbot: QtBot) -> None:
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show_detail(detail(1, error="slow down"), QImage())
    first = set(pane.findChildren(QLabel))
    assert facts(pane)["Object key"] == "20250101/key1.jpg"
    assert facts(pane)["Last upload error"] == "slow down"

    pane.show_detail(detail(2), QImage())
    assert set(pane.findChildren(QLabel)) == first  # no label built or deleted
    shown = facts(pane)
    assert shown["Object key"] == "20250101/key2.jpg"
    assert shown["requestId"] == "r2"
    assert "Last upload error" not in shown  # the extra row is hidden, not left stale
    assert pane.sent.toPlainText() == '{"n": 2}'


def test_a_foreign_callback_shows_fewer_facts_and_none_clears_them(qtbot: QtBot) -> None:
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show_detail(detail(1), QImage())
    pane.show_detail(detail(7, RowKind.CALLBACK), QImage())
    assert list(facts(pane)) == ["Received", "Object key", "requestId"]
    pane.show_detail(None, QImage())
    assert facts(pane) == {}
    assert pane.title.text() == "No row selected"
