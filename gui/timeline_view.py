"""The timeline panel: counters, status filter, auto-follow, and the table itself."""

from __future__ import annotations

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from capture.timeline import Counters, StatusGroup, TimelineRow
from gui.fields import section_title
from gui.resources import icon
from gui.timeline_model import (
    ROW_ROLE,
    SUBTITLE_ROLE,
    THUMB_SIZE,
    Column,
    TimelineFilter,
    TimelineModel,
)

ROW_HEIGHT = THUMB_SIZE.height() + 8
FILTERS: list[tuple[str, StatusGroup | None]] = [
    ("All", None),
    ("Failed", StatusGroup.FAILED),
    ("Pending", StatusGroup.PENDING),
]
WIDTHS = {
    Column.THUMB: THUMB_SIZE.width() + 14,
    Column.STATUS: 116,
    Column.UPLOAD: 100,
    Column.NOTIFY: 116,
    Column.CALLBACK: 112,
}


class TimelinePanel(QWidget):
    selected = Signal(object)  # the TimelineRow shown in the detail pane, or None

    def __init__(self, model: TimelineModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.model = model
        self.proxy = TimelineFilter()
        self.proxy.setSourceModel(model)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self._toolbar())
        self.table = self._table()
        column.addWidget(self.table, 1)
        self._selecting = False
        self._refresh = QTimer(self, singleShot=True, interval=150)
        self._refresh.timeout.connect(self._emit_selected)
        self.proxy.rowsInserted.connect(self._rows_inserted)
        self.proxy.rowsAboutToBeInserted.connect(self._remember_scroll)
        self.model.dataChanged.connect(self._data_changed)
        self._scroll_before = 0

    # -- building ------------------------------------------------------------------------------

    def _toolbar(self) -> QWidget:
        bar = QWidget()
        rows = QVBoxLayout(bar)
        rows.setContentsMargins(14, 10, 12, 8)
        rows.setSpacing(8)
        row = QHBoxLayout()
        row.setSpacing(6)
        rows.addLayout(row)
        row.addWidget(section_title("Timeline"))
        row.addStretch(1)
        self.filter_group = QButtonGroup(self)
        for i, (label, _group) in enumerate(FILTERS):
            button = QToolButton()
            button.setText(label)
            button.setCheckable(True)
            button.setChecked(i == 0)
            self.filter_group.addButton(button, i)
            row.addWidget(button)
        self.filter_group.idClicked.connect(lambda i: self.set_filter(FILTERS[i][1]))
        row.addSpacing(8)
        self.follow = QToolButton()
        self.follow.setText("Follow newest")
        self.follow.setIcon(icon("arrow-up", "#1e40af"))
        self.follow.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.follow.setCheckable(True)
        self.follow.setChecked(True)
        self.follow.setToolTip("Keep the newest row selected and in view")
        self.follow.toggled.connect(self._follow_toggled)
        row.addWidget(self.follow)
        strip = QHBoxLayout()
        strip.setSpacing(6)
        self.counters: dict[str, QLabel] = {}
        for name in ("shots", "uploaded", "notified", "callbacks", "failures", "pending"):
            chip = QLabel()
            chip.setObjectName("counter")
            self.counters[name] = chip
            strip.addWidget(chip)
        strip.addStretch(1)
        rows.addLayout(strip)
        self.set_counters(Counters())
        return bar

    def _table(self) -> QTableView:
        table = _Table()
        table.setModel(self.proxy)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        table.setIconSize(QSize(18, 18))
        table.setItemDelegateForColumn(Column.THUMB, ThumbnailDelegate(table))
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for col, width in WIDTHS.items():
            table.setColumnWidth(col, width)
        header.setSectionResizeMode(Column.SHOT, QHeaderView.ResizeMode.Stretch)
        table.setItemDelegateForColumn(Column.SHOT, TwoLineDelegate(table))
        header.setMinimumSectionSize(40)
        table.selectionModel().currentRowChanged.connect(self._current_changed)
        return table

    # -- state ---------------------------------------------------------------------------------

    def set_counters(self, counters: Counters) -> None:
        values = {
            "shots": (counters.shots, "Shots", ""),
            "uploaded": (counters.uploaded, "Uploaded", ""),
            "notified": (counters.notified, "Notified", ""),
            "callbacks": (counters.callbacks, "Callbacks", "ok" if counters.callbacks else ""),
            "failures": (counters.failures, "Failures", "bad" if counters.failures else ""),
            "pending": (counters.pending, "Pending", "wait" if counters.pending else ""),
        }
        for name, (value, label, tone) in values.items():
            chip = self.counters[name]
            chip.setText(f"{label} <b>{value:,}</b>")
            if chip.property("tone") != tone:
                chip.setProperty("tone", tone)
                chip.style().unpolish(chip)
                chip.style().polish(chip)

    def set_filter(self, group: StatusGroup | None) -> None:
        self.proxy.set_group(group)
        index = [g for _, g in FILTERS].index(group)
        self.filter_group.button(index).setChecked(True)
        if self.follow.isChecked():
            self._select_top()

    def current_row(self) -> TimelineRow | None:
        index = self.table.currentIndex()
        row = index.data(ROW_ROLE) if index.isValid() else None
        return row if isinstance(row, TimelineRow) else None

    def select_row(self, proxy_row: int) -> None:
        self.table.setCurrentIndex(self.proxy.index(proxy_row, Column.STATUS))

    # -- following -----------------------------------------------------------------------------

    def _follow_toggled(self, on: bool) -> None:
        if on:
            self._select_top()

    def _select_top(self) -> None:
        if self.proxy.rowCount() == 0:
            return
        self._selecting = True
        self.table.selectionModel().setCurrentIndex(
            self.proxy.index(0, Column.STATUS),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollToTop()
        self._selecting = False

    def _remember_scroll(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        self._scroll_before = self.table.verticalScrollBar().value()

    def _rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        if self.follow.isChecked():
            self._select_top()
        elif first == 0 and self._scroll_before > 0:
            bar = self.table.verticalScrollBar()
            bar.setValue(self._scroll_before + (last - first + 1) * ROW_HEIGHT)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._selecting and current.isValid() and current.row() != 0:
            self.follow.setChecked(False)
        self._refresh.start()

    def _data_changed(
        self, top_left: QModelIndex, bottom_right: QModelIndex, roles: list[int] | None = None
    ) -> None:
        if roles == [Qt.ItemDataRole.DecorationRole]:
            return  # a thumbnail arrived: nothing the detail pane shows
        current = self.proxy.mapToSource(self.table.currentIndex())
        if current.isValid() and top_left.row() <= current.row() <= bottom_right.row():
            self._refresh.start()

    def _emit_selected(self) -> None:
        self.selected.emit(self.current_row())


Index = QModelIndex | QPersistentModelIndex
_PLACEHOLDER = QColor("#eef0f3")
_TITLE = QColor("#111827")
_SUBTITLE = QColor("#6b7280")


class _CellDelegate(QStyledItemDelegate):
    """Lets the style paint the cell's background and selection (without the parts `strip`
    removes), then `draw` paints the content."""

    def strip(self, option: QStyleOptionViewItem) -> None:
        raise NotImplementedError

    def draw(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        raise NotImplementedError

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:
        super().initStyleOption(option, index)
        self.strip(option)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        super().paint(painter, option, index)
        painter.save()
        self.draw(painter, option, index)
        painter.restore()


class ThumbnailDelegate(_CellDelegate):
    """Paints the thumbnail at its own size, rounded, centred in the cell."""

    def strip(self, option: QStyleOptionViewItem) -> None:
        option.features &= ~QStyleOptionViewItem.ViewItemFeature.HasDecoration
        option.icon = QIcon()

    def draw(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        rect: QRect = option.rect
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        has_image = isinstance(pixmap, QPixmap) and not pixmap.isNull()
        size = pixmap.size() if has_image else THUMB_SIZE
        x = rect.x() + (rect.width() - size.width()) // 2
        y = rect.y() + (rect.height() - size.height()) // 2
        if has_image:  # already rounded by the cache: one call
            painter.drawPixmap(x, y, pixmap)
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_PLACEHOLDER)
        painter.drawRoundedRect(QRect(x, y, size.width(), size.height()), 4, 4)


class TwoLineDelegate(_CellDelegate):
    """The cell's text on top, its subtitle (the object key) under it, smaller and muted."""

    def strip(self, option: QStyleOptionViewItem) -> None:
        option.text = ""

    def draw(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        rect: QRect = option.rect.adjusted(6, 8, -6, -8)
        half = rect.height() // 2
        align = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        painter.setPen(_TITLE)
        title = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        painter.drawText(QRect(rect.x(), rect.y(), rect.width(), half), align, title)
        font = QFont(option.font)
        font.setPointSizeF(font.pointSizeF() * 0.88)
        painter.setFont(font)
        painter.setPen(_SUBTITLE)
        subtitle = str(index.data(SUBTITLE_ROLE) or "")
        metrics = painter.fontMetrics()
        elided = metrics.elidedText(subtitle, Qt.TextElideMode.ElideMiddle, rect.width())
        painter.drawText(QRect(rect.x(), rect.y() + half, rect.width(), half), align, elided)


class _Table(QTableView):
    """A table that says what to do when it is empty."""

    EMPTY = "No shots yet. Press Start capture: each shot appears here, newest on top."

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.model() is not None and self.model().rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(QColor("#6b7280"))
            text = self.EMPTY
            model = self.model()
            if isinstance(model, TimelineFilter) and model.sourceModel().rowCount():
                text = "No rows match this filter."
            painter.drawText(self.viewport().rect(), int(Qt.AlignmentFlag.AlignCenter), text)
            painter.end()
