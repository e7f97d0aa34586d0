"""The latency plot: stage lengths from the journaled times, the newest shots only, hidden and
shown by its action, and filled from the journal by a session run in the real window."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from capture.journal.reader import ShotTimes
from capture.report.stages import Point, point
from gui.app import App
from gui.plot import LatencyPanel, LatencySeries

AppFactory = Callable[..., App]
CloseApp = Callable[[App], list[str]]
FILL_TIMEOUT_MS = 20_000


def times(
    shot_id: int,
    *,
    uploaded_at: str = "2025-01-01T00:00:00.100Z",
    upload_ms: float | None = 40.0,
    received_at: str = "2025-01-01T00:00:00.130Z",
    late_ms: float | None = 2.5,
    attempts: int = 1,
) -> ShotTimes:
    return ShotTimes(
        id=shot_id,
        tick=shot_id,
        captured_utc="20250101000000000",
        late_ms=late_ms,
        uploaded_at=uploaded_at,
        upload_ms=upload_ms,
        upload_tries=1 if uploaded_at else 0,
        attempts=attempts,
        received_at=received_at,
    )


def a_point(shot_id: int, ms: float = 1.0) -> Point:
    return Point(shot_id, ms, ms, ms, ms, 1, 1)


def test_known_stage_times_give_the_expected_stacked_values() -> None:
    series = LatencySeries()
    waiting = times(2, uploaded_at="", upload_ms=None, received_at="", late_ms=None, attempts=0)
    stored = times(3, received_at="", attempts=2)  # notified, no callback yet
    series.add([point(times(1)), point(waiting), point(stored)])

    first = point(times(1))
    assert (first.capture_ms, first.store_ms, first.notify_ms) == pytest.approx((60, 40, 30))
    assert math.isnan(point(waiting).store_ms) and math.isnan(point(stored).notify_ms)

    data = series.stacked()
    assert data.x.tolist() == [1, 2, 3]
    assert data.capture.tolist() == pytest.approx([60, 0, 60])
    assert data.store_base.tolist() == pytest.approx([60, 0, 60])
    assert data.store.tolist() == pytest.approx([40, 0, 40])
    assert data.notify_base.tolist() == pytest.approx([100, 0, 100])
    assert data.notify.tolist() == pytest.approx([30, 0, 0])
    assert data.total.tolist() == pytest.approx([130, 0, 100])  # capture -> callback
    assert data.late[0] == 2.5 and np.isnan(data.late[1])
    assert data.attempts.tolist() == [1, 0, 2]
    assert data.upload_tries.tolist() == [1, 0, 1]


def test_a_stage_rounded_below_zero_counts_as_zero() -> None:
    """Times are journaled to the millisecond: an upload of 100.4 ms ended 100 ms after the
    capture leaves the capture stage at -0.4 ms, drawn as 0."""
    assert point(times(1, upload_ms=100.4)).capture_ms == 0.0


def test_a_later_point_for_a_shot_replaces_its_earlier_one() -> None:
    series = LatencySeries()
    series.add([point(times(1, received_at=""))])
    series.add([point(times(1))])
    assert len(series) == 1
    assert series.stacked().notify.tolist() == pytest.approx([30])


def test_the_point_count_stays_bounded_to_the_newest_shots() -> None:
    series = LatencySeries(limit=50)
    series.add(a_point(i) for i in range(1, 201))
    assert len(series) == 50
    assert series.stacked().x.tolist() == list(range(151, 201))
    series.add([a_point(3)])  # a change to a shot already let go does not bring it back
    assert series.stacked().x.tolist() == list(range(151, 201))
    series.add([a_point(500)], fresh=True)  # a new session starts over
    assert series.stacked().x.tolist() == [500]


def test_the_panel_draws_at_most_its_limit_and_hides_and_shows(qtbot: QtBot) -> None:
    panel = LatencyPanel(limit=100)
    qtbot.addWidget(panel)
    panel.show()
    for start in range(1, 1001, 100):
        panel.add_points(False, [a_point(i) for i in range(start, start + 100)])
    qtbot.waitUntil(lambda: panel.drawn == 100)
    assert len(panel.series) == 100 and panel.redraws >= 1

    panel.toggle_action.trigger()  # what a menu entry or the status bar's button does
    assert not panel.isVisible() and not panel.toggle_action.isChecked()
    qtbot.waitUntil(lambda: not panel.redraw_pending)
    drawn_while_shown = panel.redraws
    panel.add_points(False, [a_point(1001)])
    assert not panel.redraw_pending  # hidden: the points are kept, nothing is drawn
    assert len(panel.series) == 100 and panel.redraws == drawn_while_shown

    panel.set_visible(True)
    assert panel.isVisible() and panel.toggle_action.isChecked()
    qtbot.waitUntil(lambda: panel.redraws > drawn_while_shown)
    assert panel.drawn == 100


def journal_points(app: App) -> list[Point]:
    series = app.window.latency.series
    return [p for p in series.points() if not math.isnan(p.notify_ms)]


def test_a_session_started_in_the_window_fills_the_plot_from_the_journal(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp
) -> None:
    app = make_app("--autostart", "--interval", "1")
    plot = app.window.latency
    starts_shown = plot.isVisible()
    assert app.window.plot_toggle.defaultAction() is plot.toggle_action
    plot.toggle_action.trigger()  # the status bar's button: shown or hidden by the screen's height
    if not plot.isVisible():
        plot.toggle_action.trigger()
    assert plot.isVisible()
    assert starts_shown == (app.window.screen().availableGeometry().height() >= 1000)
    qtbot.waitUntil(lambda: len(journal_points(app)) >= 2, timeout=FILL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: plot.drawn >= 2)
    for p in journal_points(app):
        assert p.capture_ms >= 0 and p.store_ms >= 0 and p.notify_ms >= 0
        assert not math.isnan(p.late_ms)  # journaled with the shot
        assert p.upload_tries == 1 and p.attempts == 1
    assert close_app(app) == []
    shown = {p.shot_id: p for p in journal_points(app)}

    again = make_app()  # a restart shows the same session, read from the journal
    qtbot.waitUntil(
        lambda: set(shown) <= {p.shot_id for p in journal_points(again)}, timeout=FILL_TIMEOUT_MS
    )
    assert {p.shot_id: p for p in journal_points(again) if p.shot_id in shown} == shown
    assert close_app(again) == []
