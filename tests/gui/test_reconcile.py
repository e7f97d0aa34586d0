"""Capture > Reconcile storage: the last session held against its storage on a worker, the
result in a dialog; and the storage check's warnings shown as warnings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from capture.storage.base import CheckStep
from tests.gui.conftest import AppFactory
from tests.support.backends import LocalBackend, capture_run


def reconcile_dialog(qtbot: QtBot, make_app: AppFactory, store: Path) -> QMessageBox:
    app = make_app("--storage-dir", str(store))
    app.window.commands["reconcile"].trigger()
    qtbot.waitUntil(lambda: app.controller.last_dialog is not None, timeout=15_000)
    box = app.controller.last_dialog
    assert box is not None and box.objectName() == "reconcile-result"
    return box


def test_reconcile_of_a_matching_session_says_so(
    qtbot: QtBot, make_app: AppFactory, data_path: Path, tmp_path: Path
) -> None:
    store = LocalBackend(tmp_path / "store")
    assert capture_run(data_path, store)[0] == 0
    box = reconcile_dialog(qtbot, make_app, store.root)
    assert box.icon() is QMessageBox.Icon.Information
    assert box.text() == "The storage matches the journal."
    assert "all match: 3 uploaded shot(s) checked" in box.detailedText()


def test_reconcile_names_a_deleted_object_and_a_stray(
    qtbot: QtBot, make_app: AppFactory, data_path: Path, tmp_path: Path
) -> None:
    store = LocalBackend(tmp_path / "store")
    assert capture_run(data_path, store)[0] == 0
    gone = store.keys()[0]
    store.remove(gone)
    store.write(gone.rpartition("/")[0] + "/stray.jpg", b"x")
    box = reconcile_dialog(qtbot, make_app, store.root)
    assert box.icon() is QMessageBox.Icon.Warning
    assert box.text().startswith("3 mismatch(es)")
    detail = box.detailedText()
    assert f"({gone}) was uploaded but has no object" in detail
    assert "stray.jpg (1 bytes) is a stray" in detail


def test_reconcile_without_any_session_says_why(
    qtbot: QtBot, make_app: AppFactory, tmp_path: Path
) -> None:
    box = reconcile_dialog(qtbot, make_app, tmp_path / "store")
    assert box.text().startswith("Cannot reconcile: ")
    assert "no such session" in box.text() or "no session" in box.text()


def test_check_warnings_are_shown_as_warnings(qtbot: QtBot, make_app: AppFactory) -> None:
    app = make_app()
    panel = app.window.form.storage
    steps = [
        CheckStep("HeadBucket", True, "not allowed (fine for a write-only key)", 3.0, warning=True),
        CheckStep("PutObject probe", True, "put shothookprobe/x.txt (22 bytes)", 4.0),
        CheckStep(
            "DeleteObject probe",
            True,
            "not allowed (fine for a write-only key)",
            2.0,
            advice="Delete s3://b/shothookprobe/x.txt",
            warning=True,
        ),
    ]
    panel.show_check("S3 bucket", steps)
    assert panel.result_summary.text() == "S3 bucket: works (2 warnings)."
    item = panel.results.itemAt(2)
    last = item.widget() if item is not None else None
    assert last is not None
    text = last.findChildren(QLabel)[-1].text()
    assert "Note: Delete s3://b/shothookprobe/x.txt" in text and "Fix:" not in text
