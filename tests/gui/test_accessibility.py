"""Screen readers: every interactive control of the window (and of the F1 sheet, and of a
banner) has an accessible name and description, and the timeline's rows say their status in
words, not only in a colour and an icon."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QMenuBar,
    QPlainTextEdit,
    QTabBar,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from capture.journal.reader import RowKind, Status, TimelineRow
from gui.app import App
from gui.banners import Kind
from gui.resources import STATUS_LABELS
from gui.timeline.model import Column, TimelineModel
from gui.timeline.view import TimelinePanel

AppFactory = Callable[..., App]
CloseApp = Callable[[App], list[str]]

INTERACTIVE = (
    QAbstractButton,  # push, tool and check buttons
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QAbstractItemView,  # tables
    QTabBar,
    QTabWidget,
    QPlainTextEdit,
    QMenuBar,
)
# Controls made of controls: their inner parts (a spin box's line edit, a table's header and
# corner button, a combo box's list, a line edit's clear button, the menu bar's overflow
# button) are theirs to describe.
COMPOSITE = (QComboBox, QAbstractSpinBox, QAbstractItemView, QLineEdit, QTabBar, QMenuBar)


def _inside_a_composite(widget: QWidget, root: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, COMPOSITE):
            return True
        parent = parent.parentWidget()
    return False


def controls(root: QWidget) -> list[QWidget]:
    """Every interactive control under `root`, shown or hidden (a hidden S3 section shows
    later, when the user picks S3)."""
    return [
        w
        for w in root.findChildren(QWidget)
        if isinstance(w, INTERACTIVE) and not _inside_a_composite(w, root)
    ]


def unnamed(root: QWidget) -> list[str]:
    return [
        f"{type(w).__name__} {w.objectName() or w.toolTip() or w.metaObject().className()}"
        f" (name {w.accessibleName()!r}, description {w.accessibleDescription()!r})"
        for w in controls(root)
        if not w.accessibleName().strip() or not w.accessibleDescription().strip()
    ]


def test_every_control_of_the_window_has_an_accessible_name_and_description(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp
) -> None:
    app = make_app()
    window = app.window
    window.banners.put("test", Kind.ERROR, "Something failed", details="a traceback")
    app.controller.show_shortcuts()
    found = controls(window)
    kinds = {type(w) for w in found}
    # the walk sees each kind of control the window has, so that it would see an unnamed one
    for kind in (QLineEdit, QComboBox, QCheckBox, QTabBar, QPlainTextEdit):
        assert kind in kinds, kind
    assert window.timeline.table in found and window.start_button in found
    assert len(found) > 40
    assert unnamed(window) == []
    sheet = app.controller.shortcuts_sheet
    assert sheet is not None and sheet.parentWidget() is window  # walked above, with the rest
    assert close_app(app) == []


def test_the_walk_fails_on_a_control_without_a_name(qtbot: QtBot) -> None:
    root = QWidget()
    qtbot.addWidget(root)
    named = QCheckBox("Named", root)
    named.setAccessibleName("Named")
    named.setAccessibleDescription("Has both")
    QLineEdit(root).setObjectName("bare")
    assert unnamed(root) == ["QLineEdit bare (name '', description '')"]


def test_the_start_button_is_named_by_what_it_does_now(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp
) -> None:
    app = make_app("--autostart", "--interval", "1")
    button = app.window.start_button
    qtbot.waitUntil(lambda: button.accessibleName() == "Stop", timeout=20_000)
    assert "Shift+F5" in button.accessibleDescription()
    assert close_app(app) == []


def test_a_timeline_row_says_its_status_in_words(qtbot: QtBot) -> None:
    model = TimelineModel()
    panel = TimelinePanel(model)
    qtbot.addWidget(panel)
    row = TimelineRow(
        kind=RowKind.SHOT,
        id=7,
        seq=7,
        when=datetime(2025, 1, 1, tzinfo=UTC),
        object_key="20250101/key7.jpg",
        request_id="r7",
        code=200,
        msg="Supervise complete",
        status=Status.MISMATCH,
        summary="the callback's checksum does not match the payload sent",
    )
    model.apply([row])
    proxy = panel.proxy
    status = proxy.index(0, Column.STATUS)
    label = STATUS_LABELS[Status.MISMATCH]
    assert proxy.data(status, Qt.ItemDataRole.AccessibleTextRole) == f"Status: {label}"
    assert proxy.data(status, Qt.ItemDataRole.AccessibleDescriptionRole) == row.summary
    thumb = proxy.index(0, Column.THUMB)  # a picture, nothing to read but this
    assert proxy.data(thumb, Qt.ItemDataRole.AccessibleTextRole) == f"Shot #7, {label}"
