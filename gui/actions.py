"""Every action of the window, declared once: its menu, text, shortcut, tip and the name of the
controller's method it calls. The menu bar and the F1 sheet (gui/menus.py), the tooltips of the
controls that do the same thing, and the README's Keyboard section are all made from (or
checked against) this table, so a shortcut can never read one way in a menu and another in a
tooltip."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


class Menu(StrEnum):
    """The menu bar's menus, in order; `&` marks the Alt mnemonic."""

    FILE = "&File"
    EDIT = "&Edit"
    CAPTURE = "&Capture"
    VIEW = "&View"
    HELP = "&Help"


@dataclass(frozen=True)
class ActionSpec:
    name: str
    menu: Menu
    text: str  # as the menu shows it; `&` marks the mnemonic
    shortcut: str  # QKeySequence's portable text ("F5", "Ctrl+Shift+C"), "" for none
    tip: str  # what it does, in a sentence (tooltips, the status bar, the F1 sheet)
    handler: str  # the AppController method it calls (with the checked state if checkable);
    # "" for a toggle the window already has (a pane's), which the menu then shows as it is
    checkable: bool = False
    app_wide: bool = False  # also while a dialog of the window is in front

    @property
    def label(self) -> str:
        """The text without its mnemonic mark."""
        return self.text.replace("&", "").removesuffix("…")


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "export",
        Menu.FILE,
        "&Export shown rows…",
        "Ctrl+E",
        "Write the timeline's rows shown to a CSV file",
        "export_rows",
    ),
    ActionSpec(
        "export_exchanges",
        Menu.FILE,
        "E&xport…",
        "Ctrl+Shift+E",
        "Write every recorded exchange, received and sent, as HAR 1.2, JSON lines or a curl"
        " script (no secret in it)",
        "export_exchanges",
    ),
    ActionSpec(
        "export_report",
        Menu.FILE,
        "Export &report…",
        "",
        "Write a session's report (the one the session filter shows, else the last): one HTML"
        " page that opens offline, and its JSON twin",
        "export_report",
    ),
    ActionSpec(
        "export_bundle",
        Menu.FILE,
        "Export diagnostic &bundle…",
        "",
        "Write a zip for a support ticket: a session's report (as Export report), the log, the"
        " settings and its exchanges, secrets redacted",
        "export_bundle",
    ),
    ActionSpec(
        "clear_history",
        Menu.FILE,
        "C&lear history…",
        "",
        "Forget the finished sessions and their rows (a shot still waiting is never forgotten)",
        "clear_history",
    ),
    ActionSpec(
        "fresh_data_folder",
        Menu.FILE,
        "Use a &fresh data folder…",
        "",
        "Switch to another data folder: the window opens again on its own journal and spool",
        "use_fresh_data_folder",
    ),
    ActionSpec(
        "quit",
        Menu.FILE,
        "&Quit",
        "Ctrl+Q",
        "Stop capturing, finish what is in flight and close ShotHook",
        "quit",
        app_wide=True,
    ),
    ActionSpec(
        "copy_url",
        Menu.EDIT,
        "Copy &URL",
        "Ctrl+Shift+C",
        "Copy where the selected shot's image is stored, as a URL",
        "copy_url",
    ),
    ActionSpec(
        "copy_key",
        Menu.EDIT,
        "Copy object &key",
        "Ctrl+Shift+K",
        "Copy the selected row's object key",
        "copy_key",
    ),
    ActionSpec(
        "copy_payload",
        Menu.EDIT,
        "Copy &payload",
        "Ctrl+Shift+P",
        "Copy the selected row's JSON payload as sent",
        "copy_payload",
    ),
    ActionSpec(
        "resend",
        Menu.EDIT,
        "&Resend notification",
        "Ctrl+R",
        "Send the selected shot's notification again, as the spec's retry (same body and"
        " requestId)",
        "resend",
    ),
    ActionSpec(
        "edit_resend",
        Menu.EDIT,
        "Edit and res&end…",
        "Ctrl+Shift+R",
        "Edit the selected shot's payload (checked as JSON), then send it again",
        "edit_resend",
    ),
    ActionSpec(
        "inspect_traffic",
        Menu.EDIT,
        "&Inspect traffic…",
        "Ctrl+I",
        "Show the selected row's HTTP requests and answers whole, side by side",
        "inspect_traffic",
    ),
    ActionSpec(
        "start",
        Menu.CAPTURE,
        "&Start capture",
        "F5",
        "Start taking shots with the settings shown",
        "start",
    ),
    ActionSpec(
        "stop",
        Menu.CAPTURE,
        "S&top capture",
        "Shift+F5",
        "Stop taking shots (what was taken is still stored and notified)",
        "stop",
    ),
    ActionSpec(
        "check_storage",
        Menu.CAPTURE,
        "&Check storage",
        "",
        "Test the storage: reach it, write, read back and delete a probe",
        "test_storage",
    ),
    ActionSpec(
        "test_webhook",
        Menu.CAPTURE,
        "Test a &webhook…",
        "Ctrl+T",
        "Grade a webhook against the real service's rules: 12 scenarios, with a report",
        "test_webhook",
    ),
    ActionSpec(
        "reconcile",
        Menu.CAPTURE,
        "&Reconcile storage",
        "",
        "Hold the last session's storage against its journal and callbacks: missing, altered "
        "and stray objects",
        "reconcile_storage",
    ),
    ActionSpec("filter_all", Menu.VIEW, "&All rows", "Ctrl+1", "Show every row", "filter_all"),
    ActionSpec(
        "filter_failed",
        Menu.VIEW,
        "&Failed rows",
        "Ctrl+2",
        "Show only the rows that failed",
        "filter_failed",
    ),
    ActionSpec(
        "filter_pending",
        Menu.VIEW,
        "&Pending rows",
        "Ctrl+3",
        "Show only the rows still under way",
        "filter_pending",
    ),
    ActionSpec(
        "search",
        Menu.VIEW,
        "Searc&h the timeline",
        "Ctrl+F",
        "Search the whole journal: requestId, key, channel, uid, status, status code, bodies",
        "focus_search",
    ),
    ActionSpec(
        "show_settings",
        Menu.VIEW,
        "S&ettings pane",
        "",
        "Show or hide the settings on the left",
        "",  # the pane's own toggle (gui/main_window.py)
        checkable=True,
    ),
    ActionSpec(
        "show_detail",
        Menu.VIEW,
        "&Detail pane",
        "",
        "Show or hide the selected row's detail on the right",
        "",  # the pane's own toggle (gui/main_window.py)
        checkable=True,
    ),
    ActionSpec(
        "show_plot",
        Menu.VIEW,
        "&Latency plot",
        "",
        "Show or hide the plot of each shot's latency, lateness and attempts",
        "",  # the pane's own toggle (gui/main_window.py)
        checkable=True,
    ),
    ActionSpec(
        "shortcuts",
        Menu.HELP,
        "&Keyboard shortcuts",
        "F1",
        "List every action and its shortcut",
        "show_shortcuts",
    ),
    ActionSpec("about", Menu.HELP, "&About ShotHook", "", "What ShotHook is", "show_about"),
)
BY_NAME = {spec.name: spec for spec in ACTIONS}


def key_text(spec: ActionSpec) -> str:
    """The shortcut as this platform writes it (as the menus show it), "" for none."""
    return QKeySequence(spec.shortcut).toString(QKeySequence.SequenceFormat.NativeText)


def with_shortcut(text: str, name: str) -> str:
    """`text` (a tooltip) with the action's shortcut after it, as in "Start capture (F5)"."""
    keys = key_text(BY_NAME[name])
    return f"{text} ({keys})" if keys else text


def tip(name: str) -> str:
    """The action's tip with its shortcut."""
    return with_shortcut(BY_NAME[name].tip, name)


def show_shortcut_in_tip(widget: QWidget, name: str) -> None:
    """A control that does what the action does says so in its tooltip, with the shortcut."""
    widget.setToolTip(with_shortcut(widget.toolTip() or BY_NAME[name].tip, name))


def make_actions(owner: QWidget) -> dict[str, QAction]:
    """One QAction per declared action, added to `owner` so that its shortcut works even
    where no menu shows it."""
    actions: dict[str, QAction] = {}
    for spec in ACTIONS:
        action = QAction(spec.text, owner)
        action.setObjectName(spec.name)
        action.setShortcut(QKeySequence(spec.shortcut))
        action.setToolTip(tip(spec.name))
        action.setStatusTip(spec.tip)
        action.setCheckable(spec.checkable)
        action.setChecked(spec.checkable)  # the panes they toggle start shown
        if spec.app_wide:
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        owner.addAction(action)
        actions[spec.name] = action
    return actions


def connect_actions(actions: dict[str, QAction], target: object) -> None:
    """Each action calls its handler on `target`; a missing handler fails here, at start-up,
    not when a user presses the key."""
    for spec in ACTIONS:
        if not spec.handler:
            continue
        handler = getattr(target, spec.handler)
        actions[spec.name].triggered.connect(_slot(spec, handler))


def _slot(spec: ActionSpec, handler: Callable[..., None]) -> Callable[..., None]:
    """A checkable action passes its state; the others call their handler without one."""
    if spec.checkable:
        return handler

    def call(_checked: bool = False) -> None:
        handler()

    return call


def keyboard_table() -> str:
    """The README's Keyboard section's table (tests/gui/test_keyboard.py checks it is there)."""
    lines = ["| key | menu | action | what it does |", "| --- | --- | --- | --- |"]
    for spec in ACTIONS:
        if spec.shortcut:
            menu = spec.menu.replace("&", "")
            lines.append(f"| {spec.shortcut} | {menu} | {spec.label} | {spec.tip} |")
    return "\n".join(lines)
