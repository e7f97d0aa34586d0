"""User-visible errors and warnings: crashes in any thread reach the window and the log; the
engine's warnings become banners; the storage check shows each step and its fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from capture.events import SpoolWarning, UploadsPaused, UploadsResumed, WebhookListening
from capture.runtime import StopToken
from capture.settings.model import StorageKind, StorageSettings
from gui.app import App
from gui.errors import ErrorReporter
from gui.settings.storage_tab import StoragePanel
from gui.workers import make_spawn

AppFactory = Callable[..., App]


class Boom:
    def run(self, stop: StopToken) -> None:
        raise ValueError("kaboom in a worker")


def test_an_exception_in_a_qthread_is_reported_not_swallowed(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    reporter = ErrorReporter()
    worker = make_spawn(reporter.report)("exploder", Boom())
    with qtbot.waitSignal(reporter.crashed) as crashed:
        worker.start()
    assert worker.join(5.0)
    where, message, trace = crashed.args
    assert where == "exploder"
    assert message == "ValueError: kaboom in a worker"
    assert "Traceback" in trace and "raise ValueError" in trace
    assert "kaboom in a worker" in caplog.text


def test_a_crash_shows_a_banner_with_details(qtbot: QtBot, make_app: AppFactory) -> None:
    app = make_app()
    worker = app.controller.spawn("exploder", Boom())
    worker.start()
    qtbot.waitUntil(lambda: "crash:exploder" in app.window.banners.active())
    assert worker.join(5.0)
    text = app.window.banners.text("crash:exploder")
    assert "Unexpected error in exploder: ValueError: kaboom in a worker" in text


def test_paused_uploads_and_spool_warnings_show_banners(qtbot: QtBot, make_app: AppFactory) -> None:
    app = make_app()
    bridge_sink = app.engine.sink
    bridge_sink(
        UploadsPaused(reason="access denied to bucket b", advice="Grant s3:PutObject.", code="x")
    )
    bridge_sink(
        SpoolWarning(
            message="spool full: 1024.0 MB waiting", pending_bytes=1 << 30, cap_bytes=1 << 30
        )
    )
    banners = app.window.banners
    qtbot.waitUntil(lambda: "uploads-paused" in banners.active() and "spool" in banners.active())
    assert "Uploads paused: access denied to bucket b" in banners.text("uploads-paused")
    assert "Grant s3:PutObject." in banners.text("uploads-paused")
    assert "spool full" in banners.text("spool")
    bridge_sink(UploadsResumed(storage="x"))
    qtbot.waitUntil(lambda: "uploads-paused" not in banners.active())


def test_a_webhook_listening_beyond_loopback_is_a_visible_warning(
    qtbot: QtBot, make_app: AppFactory
) -> None:
    app = make_app()
    url = "http://0.0.0.0:9/callback"
    app.engine.sink(WebhookListening(url=url, host="0.0.0.0", port=9, note=""))
    qtbot.waitUntil(lambda: "exposed" in app.window.banners.active())
    assert "other machines can reach it" in app.window.banners.text("exposed")
    assert not app.window.form.webhook.exposed.isHidden()


def test_no_camera_starts_on_the_test_pattern_and_says_so(
    qtbot: QtBot, make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from capture import sources

    monkeypatch.setattr(sources, "list_cameras", lambda limit=8: [])
    app = make_app("--source", "auto")
    qtbot.waitUntil(lambda: "no-camera" in app.window.banners.active(), timeout=10_000)
    assert "showing the test pattern" in app.window.banners.text("no-camera")
    assert app.window.picker.current == "synthetic"
    qtbot.waitUntil(lambda: app.window.preview.frame_index > 0, timeout=10_000)


def test_a_source_that_does_not_exist_is_explained(
    qtbot: QtBot, make_app: AppFactory, tmp_path: Path
) -> None:
    app = make_app()
    app.window.picker.set_current(str(tmp_path / "missing.mp4"))
    app.window.picker.chosen.emit(str(tmp_path / "missing.mp4"))
    qtbot.waitUntil(lambda: "source" in app.window.banners.active())
    assert "no such file" in app.window.banners.text("source")


def test_test_connection_shows_each_step_of_a_local_folder(
    qtbot: QtBot, make_app: AppFactory, tmp_path: Path
) -> None:
    app = make_app("--storage-dir", str(tmp_path / "shots"))
    panel = app.window.form.storage
    panel.test_button.click()
    qtbot.waitUntil(lambda: panel.test_button.isEnabled() and panel.results.count() == 3)
    assert "works" in panel.result_summary.text()
    texts = [step_text(panel, i) for i in range(3)]
    assert ["write probe" in texts[0], "read back" in texts[1], "delete" in texts[2]] == [True] * 3


def test_test_connection_runs_head_bucket_put_get_delete_on_s3(
    qtbot: QtBot, make_app: AppFactory, bucket: StorageSettings
) -> None:
    app = make_app()
    panel = app.window.form.storage
    panel.kind.setCurrentIndex(panel.kind.findData(StorageKind.S3.value))
    panel.endpoint.setText(bucket.endpoint)
    panel.region.setText(bucket.region)
    panel.bucket.setText(bucket.bucket)
    panel.test_button.click()
    qtbot.waitUntil(
        lambda: panel.test_button.isEnabled() and panel.results.count() == 4, timeout=30_000
    )
    assert "works" in panel.result_summary.text()

    panel.bucket.setText("no-such-bucket-here")
    panel.test_button.click()
    qtbot.waitUntil(
        lambda: panel.test_button.isEnabled() and panel.results.count() == 1, timeout=30_000
    )
    assert "failed at “HeadBucket”" in panel.result_summary.text()
    step = step_text(panel, 0)
    assert "Fix:" in step


def test_a_saved_source_that_is_gone_falls_back_to_the_test_pattern(
    qtbot: QtBot, make_app: AppFactory, tmp_path: Path
) -> None:
    app = make_app("--source", str(tmp_path / "moved-away.mp4"))
    qtbot.waitUntil(lambda: "no-camera" in app.window.banners.active(), timeout=10_000)
    text = app.window.banners.text("no-camera")
    assert "no such file" in text and "showing the test pattern instead" in text
    assert app.window.picker.current == "synthetic"
    qtbot.waitUntil(lambda: app.window.preview.frame_index > 0, timeout=10_000)


def test_a_source_the_user_just_picked_that_fails_is_said_in_a_dialog(
    qtbot: QtBot, make_app: AppFactory
) -> None:
    app = make_app()
    app.window.picker.chosen.emit("gopher://old.example/stream")
    qtbot.waitUntil(lambda: app.controller.last_dialog is not None)
    dialog = app.controller.last_dialog
    assert dialog is not None and dialog.isVisible()
    assert "Source: must be 'synthetic', a camera index" in dialog.text()
    assert "unknown URL scheme" in dialog.text()
    dialog.close()


def test_settings_that_cannot_be_saved_are_said_in_the_status_bar(
    qtbot: QtBot, make_app: AppFactory, data_path: Path
) -> None:
    app = make_app()
    qtbot.waitUntil(lambda: app.window.preview.frame_index > 0)  # start-up messages are over
    (data_path / "settings.json").mkdir()  # a folder where the file should go
    app.window.form.capture.channel.setText("unsaveable")
    bar = app.window.statusBar()
    qtbot.waitUntil(lambda: "Cannot save settings" in bar.currentMessage(), timeout=10_000)


def step_text(panel: StoragePanel, index: int) -> str:
    """The words of the storage check's step `index`, as the panel shows them."""
    item = panel.results.itemAt(index)
    row = item.widget() if item is not None else None
    assert row is not None
    return row.findChildren(QLabel)[-1].text()


def test_every_broken_rule_is_said_in_the_window_by_its_label_as_a_sentence(
    qtbot: QtBot, make_app: AppFactory
) -> None:
    """Every setting's rule-breaking value, typed into its row: the inline error and the reason
    Start gives name the row's label, never the setting's internal name or a flag."""
    from PySide6.QtWidgets import QLineEdit

    from gui.settings.fields import FormSection
    from tests.support.settings import BROKEN

    app = make_app()
    form = app.window.form
    kinds = form.storage.kind
    kinds.setCurrentIndex(kinds.findData(StorageKind.S3.value))  # its rows are checked too
    sections = {f: s for s in form.findChildren(FormSection) for f in s.fields()}
    checked = 0
    for setting, bad in BROKEN.items():
        section = sections.get(setting.field)
        editor = section.editor(setting.field) if section else None
        if section is None or not isinstance(editor, QLineEdit) or not editor.isEnabled():
            continue
        good = editor.text()
        editor.setText(bad)
        said = section.error_text(setting.field)
        if not said:  # a row of the storage kind not shown
            editor.setText(good)
            continue
        checked += 1
        assert said.startswith(f"{setting.label}: "), said
        assert "--" not in said and said.endswith("."), said
        assert said in app.window.start_button.toolTip()
        editor.setText(good)
    assert checked >= 8
