"""The window's body: the settings pane, the centre (preview over timeline) and the detail
pane, side by side in a splitter whose side panes can be hidden.

A side pane is shown or hidden by its action (the header's toggle buttons), or hidden by
dragging its handle to the edge. The centre keeps room for every timeline column: when the
window is too narrow for both side panes beside it (1280 to about 1540 px wide, so laptops
and projectors), only one is shown, the one asked for last, and the other comes back by itself
once the window is wide enough again. So the window's minimum is the centre with one pane,
which fits a 1280x720 screen."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import QSplitter, QWidget

from gui.resources import Palette, icon

HANDLE_WIDTH = 8
LEFT, CENTRE, RIGHT = 0, 1, 2


class SidePanes(QSplitter):
    def __init__(self, left: QWidget, centre: QWidget, right: QWidget) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self.setObjectName("body")
        self._panes = {LEFT: left, CENTRE: centre, RIGHT: right}
        for widget in (left, centre, right):
            self.addWidget(widget)
        self.setHandleWidth(HANDLE_WIDTH)
        self.setCollapsible(CENTRE, False)
        for index, stretch in ((LEFT, 0), (CENTRE, 1), (RIGHT, 0)):
            self.setStretchFactor(index, stretch)
        self.show_settings = self._action("Settings", "panel-left", LEFT)
        self.show_detail = self._action("Row detail", "panel-right", RIGHT)
        self._widths = {LEFT: 0, RIGHT: 0}  # each pane's width before it was hidden
        self._wanted = {LEFT: True, RIGHT: True}  # shown unless the user hid it
        self._last_asked = LEFT  # kept when only one fits
        self.splitterMoved.connect(self._moved)

    def _action(self, name: str, icon_name: str, index: int) -> QAction:
        action = QAction(icon(icon_name, Palette.INK_QUIET), f"{name} pane", self)
        action.setCheckable(True)
        action.setChecked(True)
        action.setToolTip(f"Show or hide the {name.lower()} pane")
        action.toggled.connect(lambda on: self._toggled(index, on))
        return action

    # -- sizes ---------------------------------------------------------------------------------

    def minimumSizeHint(self) -> QSize:
        """The centre beside the wider side pane shown: the narrow layout shows only one (a
        pane hidden for want of room does not count, or the window could not narrow)."""
        hint = super().minimumSizeHint()
        sides = [self._pane_minimum(i) for i in (LEFT, RIGHT) if self._panes[i].isVisibleTo(self)]
        width = self._pane_minimum(CENTRE) + (max(sides) + HANDLE_WIDTH if sides else 0)
        return QSize(width, hint.height())

    def _pane_minimum(self, index: int) -> int:
        widget = self._panes[index]
        return max(widget.minimumWidth(), widget.minimumSizeHint().width())

    def _fits_both(self, width: int) -> bool:
        needed = sum(self._pane_minimum(i) for i in (LEFT, CENTRE, RIGHT))
        return needed + 2 * HANDLE_WIDTH <= width

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._fit(event.size().width())
        super().resizeEvent(event)

    def _fit(self, width: int) -> None:
        """Show each pane the user wants, but only the one asked for last if both do not fit."""
        both = self._fits_both(width)
        for index in (LEFT, RIGHT):
            shown = self._wanted[index] and (
                both or index == self._last_asked or not self._wanted[self._last_asked]
            )
            self._set_shown(index, shown)

    # -- showing and hiding ----------------------------------------------------------------------

    def _toggled(self, index: int, on: bool) -> None:
        self._wanted[index] = on
        if on:
            self._last_asked = index
        self._fit(self.width())

    def _set_shown(self, index: int, shown: bool) -> None:
        widget = self._panes[index]
        action = self.show_settings if index == LEFT else self.show_detail
        if widget.isVisibleTo(self) == shown:
            return
        if not shown:
            self._widths[index] = widget.width()
            widget.hide()
        else:
            widget.show()
            self._give_back(index)
        blocked = action.blockSignals(True)
        action.setChecked(shown)
        action.blockSignals(blocked)

    def _give_back(self, index: int) -> None:
        """A pane shown again gets its old width (at least its minimum) from the centre."""
        sizes = self.sizes()
        width = max(self._widths[index], self._pane_minimum(index))
        sizes[CENTRE] = max(sizes[CENTRE] - width, 0)
        sizes[index] = width
        self.setSizes(sizes)

    def _moved(self, _pos: int, _index: int) -> None:
        """A pane dragged to the edge is hidden, as its toggle would."""
        for index, size in enumerate(self.sizes()):
            if index != CENTRE and size == 0 and self._panes[index].isVisibleTo(self):
                action = self.show_settings if index == LEFT else self.show_detail
                action.setChecked(False)
