"""The timeline's callback cell says what the embedded webhook received and what it answered:
rows from real headless pipelines (the webhook answering 500, dropping, a sequence) read back
from the journal never show a green "verified" beside a red Failed; a delayed answer shows
"answering…" until sent; a resend shows in the attempts cell."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from capture.cli import headless
from capture.cli.exits import Exit
from capture.cli.flags import parse_args
from capture.journal.reader import (
    Attempt,
    Callback,
    Resend,
    RowKind,
    Status,
    TimelineReader,
    TimelineRow,
)
from capture.journal.states import NotifyState
from capture.receiver.answers import ANSWERING, SENDER_GONE
from gui.resources import Palette, colour
from gui.timeline.model import Column, TimelineModel, attempts_text, callback_text

X = "\N{MULTIPLICATION SIGN}"  # before a run's count
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)


def pipeline_row(tmp_path: Path, answer: str) -> tuple[Exit, TimelineRow]:
    """One shot through a headless pipeline whose embedded webhook answers `answer`."""
    data = tmp_path / "data"
    args = parse_args(
        [
            *("--headless", "--source", "synthetic", "--interval", "1", "--count", "1"),
            *("--data-dir", str(data), "--webhook-port", "0", "--webhook-answer", answer),
        ]
    )
    code = headless.run(args, stderr=io.StringIO())
    reader = TimelineReader(data / "journal.sqlite3")
    try:
        [row] = reader.newest(10).rows
    finally:
        reader.close()
    return code, row


def cell_colour(row: TimelineRow) -> object:
    model = TimelineModel()
    model.apply([row])
    return model.data(model.index(0, Column.CALLBACK), FOREGROUND)


@pytest.mark.parametrize(
    ("answer", "code", "status", "text", "green"),
    [
        ("normal", Exit.OK, Status.VERIFIED, "✓ verified\nanswered 200", True),
        (
            "status:500",
            Exit.FAILED,
            Status.FAILED,
            f"✓ verified\nanswered 500\nthen 500 {X}2",
            False,
        ),
        ("drop", Exit.FAILED, Status.FAILED, f"✓ verified\ndropped\nthen drop {X}2", False),
        ("text", Exit.FAILED, Status.FAILED, f"✓ verified\nanswered 200\nthen 200 {X}2", False),
        (
            "seq:500,503,200",
            Exit.OK,
            Status.VERIFIED,
            "✓ verified\nanswered 500\nthen 503, 200",
            True,
        ),
    ],
)
def test_the_cell_says_what_was_received_and_answered(
    qtbot: QtBot,
    tmp_path: Path,
    answer: str,
    code: Exit,
    status: Status,
    text: str,
    green: bool,
) -> None:
    got, row = pipeline_row(tmp_path, answer)
    assert (got, row.status) == (code, status)
    assert callback_text(row) == text
    expected = Palette.OK if green else Palette.FAILED
    assert cell_colour(row) == colour(expected)


def callback(n: int, answered: int) -> Callback:
    return Callback(
        n, "2025-01-01T00:00:00.000Z", "127.0.0.1", "r", "k", n, answered, True, "ok", 200
    )


def shot(*answers: int, state: NotifyState = NotifyState.SENDING) -> TimelineRow:
    return TimelineRow(
        kind=RowKind.SHOT,
        id=1,
        seq=1,
        when=datetime(2025, 1, 1, tzinfo=UTC),
        object_key="k",
        request_id="r",
        code=200,
        msg="",
        status=Status.NOTIFYING,
        summary="",
        notify_state=state,
        callbacks=tuple(callback(i + 1, a) for i, a in enumerate(answers)),
    )


def test_a_delayed_answer_shows_answering_until_sent_and_no_colour(qtbot: QtBot) -> None:
    waiting = shot(ANSWERING)
    assert callback_text(waiting) == "✓ verified\nanswering…"
    assert cell_colour(waiting) is None
    sent = shot(200, state=NotifyState.DELIVERED)
    assert callback_text(sent) == "✓ verified\nanswered 200"
    assert callback_text(shot(SENDER_GONE, SENDER_GONE, ANSWERING)) == (
        "✓ verified\nsender gone\nanswering…"
    )


def test_many_answers_keep_to_three_lines(qtbot: QtBot) -> None:
    assert callback_text(shot(500, 0, 500, 500, 200)) == "✓ verified\nanswered 500\nthen … 200"
    assert callback_text(shot(500, 500, 0, 0)) == f"✓ verified\nanswered 500\nthen … drop {X}2"


def test_a_resend_adds_its_last_attempt_to_the_attempts_cell() -> None:
    first = Attempt(1, "t", 500, 3.0, False, "status 500, expected 200", "")
    again = Attempt(1, "t", 200, 4.0, True, "", "")
    row = replace(shot(500), attempts=(first,))
    note = "sent as the spec's retry"
    resent = replace(
        row, resends=(Resend(1, "t", "http://127.0.0.1:1/x", "r", note, True, (again,)),)
    )
    assert attempts_text(resent) == "✗ 500 · 3 ms\n↻ ✓ 200 · 4 ms"
    waiting = replace(row, resends=(Resend(1, "t", "u", "r", "n", None, ()),))
    assert attempts_text(waiting).endswith("↻ resending…")
