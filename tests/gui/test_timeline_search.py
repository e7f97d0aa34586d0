"""The timeline's search and filters ask the whole journal in SQL, on the feed's worker: a row
beyond the window (older than the rows the model keeps) is found by text only its callback's
body holds; the session and time filters narrow the rows; the counters of the newest session
stand beside the all-time ones."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from capture.journal.reader import TimelineReader
from capture.journal.writer import Journal, NewShot
from gui import controller as controller_module
from gui.app import App
from gui.timeline.feed import TimelineFeed
from gui.timeline.view import TimelinePanel

AppFactory = Callable[..., App]
CloseApp = Callable[[App], list[str]]
WINDOW = 4  # the rows the model keeps, here: the search must reach beyond them
TIMEOUT_MS = 15_000
SID = "1" * 32
NEEDLE = "needle-only-in-the-body"


def write(path: Path) -> dict[str, int]:
    """Two sessions of shots, two days ago; the oldest shot's callback body holds NEEDLE."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    journal = Journal(path)
    start = datetime.now(UTC) - timedelta(days=2)
    ids: dict[str, int] = {}
    for session_no, names in ((1, ["oldest", "b", "c"]), (2, ["d", "e", "f"])):
        session = journal.start_session(source="t", storage="local", callback_url="", settings={})
        ids[f"session{session_no}"] = session
        for name in names:
            n = len(ids)
            when = start + timedelta(minutes=n)
            utc = when.strftime("%Y%m%d%H%M%S") + "000"
            shot = journal.add_shot(
                NewShot(
                    session_id=session,
                    tick=n,
                    sid=SID,
                    uid=1001,
                    channel=f"room-{name}",
                    object_key=f"{utc[:8]}/{SID}_room-{name}__uid_s_1001__uid_e_video_{utc}.jpg",
                    captured_utc=utc,
                    code=200,
                    msg="Supervise complete",
                    spool_path=None,
                )
            )
            ids[name] = shot
            rid = f"{SID}_{int(when.timestamp())}_{n:032x}"
            journal.notification_created(shot, rid, json.dumps({"requestId": rid}), "http://h/cb")
            journal.notify_finished(shot, delivered=True)
            body = {"requestId": rid, "note": NEEDLE if name == "oldest" else "plain"}
            journal.add_callback(
                remote="127.0.0.1",
                request_id=rid,
                object_key=None,
                answered=200,
                checksum_ok=True,
                verdict="checksum verified with callbackAddr http://h/cb",
                code=200,
                raw_body=json.dumps(body).encode(),
            )
        journal.stop_session(session)
    journal.close()
    return ids


@pytest.fixture
def app(
    make_app: AppFactory, data_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> App:
    monkeypatch.setattr(
        controller_module, "TimelineFeed", functools.partial(TimelineFeed, window=WINDOW)
    )
    app = make_app()
    app.ids = write(data_path / "journal.sqlite3")  # type: ignore[attr-defined]
    app.controller.feed.set_query(app.window.timeline.query())  # read the journal written
    qtbot.waitUntil(lambda: app.window.timeline.model.rowCount() == WINDOW, timeout=TIMEOUT_MS)
    return app


@pytest.fixture
def off_the_gui_thread(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records, for each search of the journal, whether it ran on the GUI thread."""
    calls: list[bool] = []
    newest = TimelineReader.newest

    def recording(self: TimelineReader, *args: Any, **kwargs: Any) -> Any:
        calls.append(threading.current_thread() is threading.main_thread())
        return newest(self, *args, **kwargs)

    monkeypatch.setattr(TimelineReader, "newest", recording)
    return calls


def shown_ids(panel: TimelinePanel) -> list[int]:
    return [row.id for row in panel.shown_rows()]


def test_a_search_finds_a_row_beyond_the_window_by_its_body_on_a_worker(
    qtbot: QtBot, app: App, close_app: CloseApp, off_the_gui_thread: list[bool]
) -> None:
    panel = app.window.timeline
    ids: dict[str, int] = app.ids  # type: ignore[attr-defined]
    assert ids["oldest"] not in shown_ids(panel)
    panel.search.setText(NEEDLE)
    qtbot.waitUntil(lambda: shown_ids(panel) == [ids["oldest"]], timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: panel.matches.text() == "1 row found", timeout=TIMEOUT_MS)
    assert panel.matches.isVisible()
    panel.search.setText("ROOM-E")  # a channel, any case
    qtbot.waitUntil(lambda: shown_ids(panel) == [ids["e"]], timeout=TIMEOUT_MS)
    panel.search.setText("nothing has this")
    qtbot.waitUntil(lambda: panel.matches.text() == "0 rows found", timeout=TIMEOUT_MS)
    assert shown_ids(panel) == [] and panel.empty.isVisible()
    panel.search.clear()
    qtbot.waitUntil(lambda: len(shown_ids(panel)) == WINDOW, timeout=TIMEOUT_MS)
    assert not panel.matches.isVisible()
    assert off_the_gui_thread and not any(off_the_gui_thread)
    assert close_app(app) == []


def test_the_session_and_time_filters_narrow_the_whole_journal(
    qtbot: QtBot, app: App, close_app: CloseApp
) -> None:
    panel = app.window.timeline
    ids: dict[str, int] = app.ids  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: panel.session_box.count() == 3, timeout=TIMEOUT_MS)
    assert panel.session_counts.text() == "Session #2: 3 shots · 0 failed · 0 pending"
    first = panel.session_box.findData(ids["session1"])
    assert panel.session_box.itemText(first).startswith("Session #1 · ")
    panel.session_box.setCurrentIndex(first)
    panel.session_box.activated.emit(first)
    expected = sorted((ids["oldest"], ids["b"], ids["c"]), reverse=True)
    qtbot.waitUntil(lambda: shown_ids(panel) == expected, timeout=TIMEOUT_MS)
    hour = panel.time_box.findText("Last hour")
    panel.time_box.setCurrentIndex(hour)
    panel.time_box.activated.emit(hour)  # the rows are two days old
    qtbot.waitUntil(lambda: shown_ids(panel) == [], timeout=TIMEOUT_MS)
    week = panel.time_box.findText("Last 7 days")
    panel.time_box.setCurrentIndex(week)
    panel.time_box.activated.emit(week)
    qtbot.waitUntil(lambda: shown_ids(panel) == expected, timeout=TIMEOUT_MS)
    panel.session_box.setCurrentIndex(0)
    panel.session_box.activated.emit(0)
    qtbot.waitUntil(lambda: len(shown_ids(panel)) == WINDOW, timeout=TIMEOUT_MS)
    assert close_app(app) == []


def test_the_query_follows_the_box_and_the_filters(qtbot: QtBot) -> None:
    from gui.timeline.model import TimelineModel

    panel = TimelinePanel(TimelineModel())
    qtbot.addWidget(panel)
    asked: list[object] = []
    panel.query_changed.connect(asked.append)
    with qtbot.waitSignal(panel.query_changed, timeout=TIMEOUT_MS):
        panel.search.setText("  bad  ")
    query = panel.query()
    assert query.text == "bad" and query.since is None and query.session_id is None
    assert {s.value for s in query.statuses} == {"checksum mismatch"}  # "Bad checksum"
    today = panel.time_box.findText("Today")
    panel.time_box.setCurrentIndex(today)
    now = datetime(2025, 3, 4, 15, 30, tzinfo=UTC)
    since = panel.query(now).since
    assert since is not None and since.astimezone().hour == 0
    assert since <= now and now - since < timedelta(days=1)
