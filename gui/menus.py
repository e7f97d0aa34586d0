"""The menu bar and the F1 sheet, both made from gui/actions.py's table: a new action appears in
its menu and on the sheet without being written down again."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenuBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.actions import ACTIONS, Menu, key_text
from gui.settings.fields import hint

SHEET_COLUMNS = ("Key", "Menu", "Action", "What it does")


def fill_menus(bar: QMenuBar, actions: dict[str, QAction]) -> None:
    """One menu per `Menu`, holding its actions in the table's order."""
    bar.setAccessibleName("Menu bar")
    bar.setAccessibleDescription(", ".join(menu.replace("&", "") for menu in Menu))
    for menu in Menu:
        holder = bar.addMenu(menu.value)
        holder.setToolTipsVisible(True)
        for spec in ACTIONS:
            if spec.menu is menu:
                holder.addAction(actions[spec.name])


class ShortcutsSheet(QDialog):
    """Every action with its shortcut (or none), its menu and what it does."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(720, 520)
        column = QVBoxLayout(self)
        column.addWidget(
            hint("Every action is in a menu (Alt and the underlined letter opens it).")
        )
        self.table = QTableWidget(len(ACTIONS), len(SHEET_COLUMNS))
        self.table.setHorizontalHeaderLabels(SHEET_COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(
            len(SHEET_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch
        )
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setAccessibleDescription("One row per action: its key, menu and what it does")
        for row, spec in enumerate(ACTIONS):
            cells = (key_text(spec) or "—", spec.menu.replace("&", ""), spec.label, spec.tip)
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        column.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setAccessibleDescription("Close the list of shortcuts")
        column.addWidget(buttons)

    def rows(self) -> list[tuple[str, ...]]:
        """The sheet as text, a tuple of cells per row."""
        table = self.table
        return [
            tuple(_text(table.item(r, c)) for c in range(table.columnCount()))
            for r in range(table.rowCount())
        ]


def _text(item: QTableWidgetItem | None) -> str:
    return "" if item is None else item.text()
