"""The window end to end: real engine, test pattern, embedded webhook, journal on disk."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from capture.journal.reader import RowKind, Status, StatusGroup
from capture.receiver.answers import AnswerKind
from gui.app import App
from gui.main_window import RunState
from gui.workers import running_workers

AppFactory = Callable[..., App]
CloseApp = Callable[[App], list[str]]

ROWS_TIMEOUT_MS = 20_000


def verified_rows(app: App) -> list[int]:
    model = app.window.timeline.model
    rows = [model.row_at(r) for r in range(model.rowCount())]
    return [r.id for r in rows if r.status is Status.VERIFIED and r.has_thumbnail]


def test_start_on_the_test_pattern_fills_the_timeline_with_verified_shots(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp
) -> None:
    app = make_app("--autostart", "--interval", "1")
    window = app.window
    assert "ShotHook" in window.windowTitle()
    qtbot.waitUntil(lambda: len(verified_rows(app)) >= 2, timeout=ROWS_TIMEOUT_MS)
    assert window.state is RunState.RUNNING

    model = window.timeline.model
    newest = model.row_at(0)
    assert newest.when >= model.row_at(1).when  # newest on top
    assert newest.callbacks and newest.callbacks[-1].checksum_ok is True
    assert [a.status for a in newest.attempts] == [200]
    # the view asks for thumbnails of visible rows; they are decoded off the GUI thread
    qtbot.waitUntil(lambda: model.cache.get(verified_rows(app)[-1]) is not None)
    qtbot.waitUntil(lambda: window.timeline.counters["callbacks"].text() != "Callbacks <b>0</b>")
    assert window.preview.shots >= 2  # a flash per shot
    assert window.preview.frame_index > 0
    assert close_app(app) == []


def test_stop_then_close_ends_every_thread(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp
) -> None:
    app = make_app("--autostart", "--interval", "1")
    qtbot.waitUntil(lambda: len(verified_rows(app)) >= 1, timeout=ROWS_TIMEOUT_MS)
    app.window.start_button.click()  # it reads Stop while running
    qtbot.waitUntil(lambda: app.window.state is RunState.IDLE, timeout=15_000)
    assert app.engine.session is None
    assert app.window.start_button.text() == "Start capture"
    assert close_app(app) == []
    assert running_workers() == []


def test_closing_while_capturing_ends_every_thread(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp
) -> None:
    app = make_app("--autostart", "--interval", "1")
    qtbot.waitUntil(lambda: app.window.state is RunState.RUNNING, timeout=ROWS_TIMEOUT_MS)
    assert close_app(app) == []
    assert running_workers() == []


def test_closing_while_the_webhook_delays_its_answer_still_ends_promptly(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp
) -> None:
    app = make_app("--interval", "1")
    webhook_panel = app.window.form.webhook
    webhook_panel.kind.setCurrentIndex(webhook_panel.kind.findData(AnswerKind.DELAY.value))
    webhook_panel.delay.setValue(30.0)
    qtbot.waitUntil(lambda: app.engine.webhook is not None)
    qtbot.waitUntil(lambda: app.engine.webhook.mode.kind is AnswerKind.DELAY)  # type: ignore[union-attr]
    app.window.start_button.click()
    model = app.window.timeline.model

    def a_callback_is_being_answered() -> bool:
        rows = [model.row_at(r) for r in range(model.rowCount())]
        return any(r.callbacks and not r.attempts for r in rows)

    qtbot.waitUntil(a_callback_is_being_answered, timeout=ROWS_TIMEOUT_MS)
    assert close_app(app) == []
    assert running_workers() == []


def test_a_restart_shows_the_earlier_sessions_rows(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp
) -> None:
    first = make_app("--autostart", "--interval", "1")
    qtbot.waitUntil(lambda: len(verified_rows(first)) >= 2, timeout=ROWS_TIMEOUT_MS)
    assert close_app(first) == []
    model = first.window.timeline.model
    earlier = {model.row_at(r).key for r in range(model.rowCount())}

    second = make_app()  # same data dir, not capturing
    again = second.window.timeline.model
    qtbot.waitUntil(lambda: again.rowCount() >= len(earlier))
    assert {again.row_at(r).key for r in range(again.rowCount())} == earlier
    assert second.window.state is RunState.IDLE


def test_the_spool_flags_shape_the_windows_engine(
    make_app: AppFactory, close_app: CloseApp
) -> None:
    app = make_app("--spool-keep-mb", "0.5", "--spool-cap-mb", "20")
    assert (app.engine.spool.keep_uploaded_bytes, app.engine.spool.cap_bytes) == (
        500_000,
        20_000_000,
    )
    assert close_app(app) == []


def test_the_detail_pane_shows_the_payload_image_and_attempts(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp
) -> None:
    app = make_app("--autostart", "--interval", "1", "--extra-info", "from the test")
    qtbot.waitUntil(lambda: len(verified_rows(app)) >= 2, timeout=ROWS_TIMEOUT_MS)
    panel = app.window.timeline
    panel.follow.setChecked(False)
    panel.select_row(1)
    row = panel.current_row()
    assert row is not None and row.kind is RowKind.SHOT
    pane = app.window.detail
    qtbot.waitUntil(lambda: pane.detail is not None and pane.detail.row.id == row.id)

    sent = json.loads(pane.sent.toPlainText())
    assert sent["requestId"] == row.request_id
    assert sent["object"] == row.object_key
    assert sent["callbackData"] == "from the test"
    assert json.loads(pane.received.toPlainText())["requestId"] == row.request_id
    assert pane.image.pixmap() is not None and not pane.image.pixmap().isNull()
    assert "attempt 1" in pane.attempts.text() and "200" in pane.attempts.text()
    assert "checksum verified" in pane.callbacks.text()
    pane.copy_key.click()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == row.object_key
    pane.copy_payload.click()
    assert json.loads(QGuiApplication.clipboard().text())["requestId"] == row.request_id


def test_the_answer_mode_applies_to_the_running_webhook(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp
) -> None:
    app = make_app()
    qtbot.waitUntil(lambda: app.engine.webhook is not None)
    panel = app.window.form.webhook
    panel.kind.setCurrentIndex(panel.kind.findData(AnswerKind.STATUS.value))
    panel.status.setValue(503)
    panel.reject.setChecked(True)
    mode = app.engine.webhook.mode  # type: ignore[union-attr]
    assert (mode.kind, mode.status, mode.reject_bad_checksum) == (AnswerKind.STATUS, 503, True)
    assert "answer status 503" in panel.mode_text.text()
    url = app.engine.webhook.url  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: panel.embedded.text() == url)  # the webhook_listening event


def test_failed_notifications_show_as_failed_rows(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp
) -> None:
    app = make_app("--interval", "1")
    qtbot.waitUntil(lambda: app.engine.webhook is not None)
    panel = app.window.form.webhook
    panel.kind.setCurrentIndex(panel.kind.findData(AnswerKind.STATUS.value))
    panel.status.setValue(500)
    app.window.start_button.click()
    model = app.window.timeline.model

    def failed() -> list[int]:
        rows = [model.row_at(r) for r in range(model.rowCount())]
        return [r.id for r in rows if r.status is Status.FAILED]

    qtbot.waitUntil(lambda: bool(failed()), timeout=ROWS_TIMEOUT_MS)
    row = next(
        model.row_at(r) for r in range(model.rowCount()) if model.row_at(r).id == failed()[0]
    )
    assert [a.status for a in row.attempts] == [500, 500, 500]
    qtbot.waitUntil(
        lambda: "Failures <b>0</b>" not in app.window.timeline.counters["failures"].text()
    )
    # The Failed filter: the feed reads the failed rows anew, the model keeps only those.
    timeline = app.window.timeline
    restarts: list[int] = []
    restart = model.restart

    def counting_restart() -> None:
        restarts.append(model.rowCount())
        restart()

    model.restart = counting_restart  # type: ignore[method-assign]
    timeline.filter_group.button(1).click()
    qtbot.waitUntil(lambda: restarts != [], timeout=ROWS_TIMEOUT_MS)  # the window started over
    proxy = timeline.proxy

    def shown() -> list[Status]:
        sources = [proxy.mapToSource(proxy.index(r, 0)).row() for r in range(proxy.rowCount())]
        return [model.row_at(r).status for r in sources]

    def only_failed_kept() -> bool:
        groups = {model.row_at(r).status.group for r in range(model.rowCount())}
        return groups == {StatusGroup.FAILED}

    qtbot.waitUntil(only_failed_kept, timeout=ROWS_TIMEOUT_MS)
    assert row.id in [model.row_at(r).id for r in range(model.rowCount())]
    assert shown() and set(shown()) <= {Status.FAILED, Status.NO_SHOT, Status.MISMATCH}
    assert close_app(app) == []


def test_a_callback_from_someone_else_gets_a_row_of_its_own(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp
) -> None:
    import urllib.request

    from capture.spec.payload import Notification

    app = make_app()
    qtbot.waitUntil(lambda: app.engine.webhook is not None)
    url = app.engine.webhook.url  # type: ignore[union-attr]
    sid = "f" * 32
    body = Notification(
        request_id=f"{sid}_1700000000_{'0' * 32}",
        channel="elsewhere",
        uid=7,
        object_key=f"20250101/{sid}_elsewhere__uid_s_7__uid_e_video_20250101000000000.jpg",
        utc="20250101000000000",
    ).encode(url)
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # loopback, our own webhook
        assert answer.status == 200
    model = app.window.timeline.model
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    row = model.row_at(0)
    assert row.kind is RowKind.CALLBACK
    assert row.status is Status.FOREIGN
    assert row.callbacks[0].checksum_ok is True
    assert model.data(model.index(0, 1)) == "Foreign callback"


def test_picking_a_video_file_shows_it_in_the_preview(
    qtbot: QtBot, make_app: AppFactory, tmp_path: Path
) -> None:
    import cv2
    import numpy as np

    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, (320, 240))
    for n in range(20):
        writer.write(np.full((240, 320, 3), n * 10, np.uint8))
    writer.release()
    app = make_app()
    preview = app.window.preview
    qtbot.waitUntil(lambda: preview.frame_index > 0)
    app.window.picker.set_current(str(path))
    app.window.picker.chosen.emit(str(path))  # what the file dialog's choice does
    qtbot.waitUntil(lambda: preview.source_size == (320, 240), timeout=10_000)
    qtbot.waitUntil(lambda: preview.label == "video file clip.avi", timeout=10_000)
    assert app.window.picker.combo.currentText() == "File clip.avi"
    assert app.window.form.settings().capture.source == str(path)


def test_a_second_window_on_the_same_data_folder_is_refused_with_the_reason(
    qtbot: QtBot, make_app: AppFactory, data_path: Path
) -> None:
    import os
    import subprocess
    import sys

    make_app()  # this process holds the data folder
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    second = subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(data_path), "--webhook-port", "0"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert second.returncode == 1
    assert "another ShotHook" in second.stderr
    assert "give this one another --data-dir" in second.stderr
