"""The detail pane explains every received callback's checksum: the sentence for the
customer, the four parts labelled, the MD5 expected and received."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime

from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from capture.journal.reader import Callback, Detail, ReceivedBody, RowKind, Status, TimelineRow
from capture.spec.checksum import explain
from gui.timeline.detail import DetailPane

URL = "http://127.0.0.1:8787/callback"
KEY = "20250101/key.jpg"
RID = "r1"


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def detail_with(checksum: str | None) -> Detail:
    callback = Callback(
        1, "2025-01-01T00:00:00.000Z", "127.0.0.1", RID, KEY, 1, 200, False, "x", 200
    )
    row = TimelineRow(
        kind=RowKind.SHOT,
        id=1,
        seq=1,
        when=datetime(2025, 1, 1, tzinfo=UTC),
        object_key=KEY,
        request_id=RID,
        code=200,
        msg="Supervise complete",
        status=Status.MISMATCH,
        summary="checksum does not match",
        callbacks=(callback,),
    )
    explained = None if checksum is None else explain(URL, 200, KEY, RID, checksum)
    body = ReceivedBody(callback, "{}", explained)
    return Detail(row, "{}", URL, (body,), "", "not here")


def shown(pane: DetailPane) -> str:
    return pane.checksum.text().replace("\u200b", "")


def test_a_wrong_order_is_explained_with_the_four_parts(qtbot: QtBot) -> None:
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show()
    pane.show_detail(detail_with(md5(f"{RID}{KEY}200{URL}")), QImage())
    text = shown(pane)
    assert pane.checksum.isVisible() and pane.checksum_title.isVisible()
    assert "Their code hashes requestId+object+code+callbackAddr" in text
    for name in ("callbackAddr", "code", "object", "requestId", "expected MD5", "received"):
        assert f">{name}</td>" in text
    assert md5(f"{URL}200{KEY}{RID}") in text  # the expected one
    assert md5(f"{RID}{KEY}200{URL}") in text  # the received one


def test_no_checksum_to_explain_hides_the_section_and_the_next_row_clears_it(
    qtbot: QtBot,
) -> None:
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show()
    pane.show_detail(detail_with("0" * 32), QImage())
    assert "No known mistake" in shown(pane)
    pane.show_detail(detail_with(None), QImage())
    assert not pane.checksum.isVisible() and shown(pane) == ""
    pane.show_detail(replace(detail_with(None), received=()), QImage())
    assert not pane.checksum_title.isVisible()
    pane.show_detail(None, QImage())
    assert shown(pane) == ""
