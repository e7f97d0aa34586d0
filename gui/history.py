"""The history the user manages from the File menu: clearing the journal (after a confirmation
that counts what goes and what stays), and switching to a fresh data folder (the window closes
as on quit and opens again on it: gui/app.py's run_window reopens the engine there).

The engine is asked on the `control` queue, as every other engine call is; the dialogs are
non-blocking message boxes (`open`), kept as the controller's `last_dialog` for tests.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from capture.errors import ConfigError
from capture.journal.records import PruneCounts, Pruned
from capture.paths import DataDir
from gui.errors import error_dialog, status_message

if TYPE_CHECKING:
    from gui.controller import AppController

CLEARED_MS = 8000
CLEAR_TITLE = "Clear history"
SWITCH_TITLE = "Use a fresh data folder"


def choose_data_folder(parent: QWidget) -> str:
    """The folder the user picks for the new data folder, "" when cancelled."""
    return QFileDialog.getExistingDirectory(
        parent, "Choose an empty folder for the new data folder (or make one)"
    )


def clear_wording(counts: PruneCounts, running: bool) -> tuple[str, str]:
    """The confirmation's question and its details: how many rows go, how many stay, why."""
    going = f"{counts.going:,} row{'s' if counts.going != 1 else ''}"
    question = f"Clear {going} from the history?"
    details = [
        "Every finished session goes, with its shots, attempts, callbacks, thumbnails and"
        " the images kept for the detail pane, and so do the callbacks that matched no shot."
        " Stored images (in the storage) are not touched."
    ]
    why = []
    if counts.waiting:
        shots = f"{counts.waiting:,} shot{'s' if counts.waiting != 1 else ''}"
        why.append(f"{shots} still waiting to upload or notify, never deleted, and their sessions")
    if running:
        why.append("the running session")
    stay = f"{counts.staying:,} row{'s' if counts.staying != 1 else ''} stay"
    details.append(f"{stay}: {' and '.join(why)}." if why and counts.staying else f"{stay}.")
    return question, "\n\n".join(details)


def ask_to_clear(controller: AppController) -> None:
    """Count on `control`, then confirm; clearing runs on `control` too."""
    engine = controller.engine

    def confirm(counts: PruneCounts) -> None:
        if counts.going == 0:
            box = QMessageBox(
                QMessageBox.Icon.Information,
                CLEAR_TITLE,
                "Nothing to clear: the history holds only the running session and the"
                f" sessions of shots still waiting ({counts.staying:,} rows).",
                parent=controller.window,
            )
            box.open()
            controller.last_dialog = box
            return
        question, details = clear_wording(counts, engine.session is not None)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            CLEAR_TITLE,
            question,
            QMessageBox.StandardButton.Cancel,
            controller.window,
        )
        box.setInformativeText(details)
        clear = box.addButton("Clear history", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(lambda button: _clear(controller) if button is clear else None)
        box.open()
        controller.last_dialog = box

    controller.control.submit(engine.history_counts, on_done=confirm, on_error=_failed(controller))


def _clear(controller: AppController) -> None:
    bar = controller.window.statusBar()

    def done(pruned: Pruned) -> None:
        bar.showMessage(
            f"History cleared: {pruned.sessions:,} sessions, {pruned.shots:,} shots and"
            f" {pruned.callbacks:,} callbacks forgotten",
            CLEARED_MS,
        )
        controller.reread_timeline()

    controller.control.submit(
        controller.engine.clear_history, on_done=done, on_error=_failed(controller)
    )


def _failed(controller: AppController) -> Callable[[BaseException], None]:
    return lambda exc: status_message(controller.window.statusBar(), exc, "Cannot clear")


def folder_problem(folder: Path, current: Path) -> ConfigError | None:
    """Why `folder` cannot be the new data folder, if it cannot: it must be another folder,
    empty (a fresh one) or one ShotHook used before (it holds a journal)."""
    try:
        chosen = DataDir.resolve(folder).root.resolve()
    except ConfigError as exc:
        return exc
    if chosen == current.resolve():
        return ConfigError("data_dir", "another folder than the one in use", str(folder))
    if chosen.exists() and not chosen.is_dir():
        return ConfigError("data_dir", "a folder, not a file", str(folder))
    if chosen.is_dir() and any(chosen.iterdir()) and not DataDir(chosen).journal.exists():
        return ConfigError(
            "data_dir",
            "an empty folder, or one ShotHook used before (this one holds other files)",
            str(folder),
        )
    return None


def ask_to_switch(controller: AppController) -> None:
    """Pick the folder, check it, confirm; then close the window as on quit, for run_window to
    open it again on the new folder."""
    window = controller.window
    picked = choose_data_folder(window)
    if not picked:
        return
    current = controller.engine.data_dir.root
    problem = folder_problem(Path(picked), current)
    if problem is not None:
        controller.last_dialog = error_dialog(window, "Cannot use this folder", problem)
        return
    box = QMessageBox(
        QMessageBox.Icon.Question,
        SWITCH_TITLE,
        f"Switch to the data folder {picked}?",
        QMessageBox.StandardButton.Cancel,
        window,
    )
    box.setInformativeText(
        "Capture stops and the window opens again on that folder: its own journal, spool and"
        " log, with these settings copied to it. The current data folder stays as it is, in"
        f" {current}. ShotHook starts on its usual folder next time; start it with --data-dir"
        f" {picked} to come back to this one."
    )
    switch = box.addButton("Switch", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)

    def clicked(button: object) -> None:
        if button is switch:
            controller.next_data_dir = Path(picked)
            window.close()

    box.buttonClicked.connect(clicked)
    box.open()
    controller.last_dialog = box
