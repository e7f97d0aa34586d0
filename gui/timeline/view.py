"""The timeline panel: counters (all-time and the newest session's), the search and filters
(status group, session, time range), auto-follow, and the table itself.

The search and filters are a `Query` the feed asks the whole journal in SQL, on its worker
(`query_changed`; typing waits SEARCH_DELAY_MS for a pause). Meanwhile the text filters the rows
already in the model at once (the proxy's regular expression over key, requestId and status);
once the feed says it answers that text (`query_applied`), the model holds exactly the rows
the journal found, so the proxy stops filtering by text: a match in a body, channel or uid,
which the proxy cannot see, stays shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QFontMetrics,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from capture.journal.query import Query, statuses_named
from capture.journal.reader import Counters, SessionInfo, StatusGroup, TimelineRow
from capture.spec.naming import parse_iso
from gui.accessible import name_widget
from gui.resources import STATUS_LABELS, Palette, colour, icon
from gui.settings.fields import section_title
from gui.timeline.model import (
    CELL_LINES,
    STATUS_ICON,
    THUMB_SIZE,
    WIDEST,
    Column,
    TimelineFilter,
    TimelineModel,
)

ROW_PAD = 8  # above and below a row's thumbnail or text
CELL_PAD = 10  # beyond a cell's widest text: the style's text margins (2 x 3 px) and some air
ICON_GAP = 8  # between the status icon and its label
HEADER_PAD = 2 * 8 + 6  # QHeaderView::section's padding in style.qss, and its bolder font
SHOT_MIN = 240  # the capture time and size, and the key's channel and uid under them
EMPTY = "No shots yet. Press Start capture: each shot appears here, newest on top."
FILTERED = "No rows match this filter."
SEARCH_DELAY_MS = 250  # a pause in typing before the journal is searched
SEARCH_HINT = "Search requestId, key, channel, uid, status, body"
SESSIONS_SHOWN = 50  # the newest sessions the session filter offers
# The time filter's choices: how far back from now (None: any time; 0: since local midnight).
TIME_RANGES: list[tuple[str, timedelta | None]] = [
    ("Any time", None),
    ("Last 15 minutes", timedelta(minutes=15)),
    ("Last hour", timedelta(hours=1)),
    ("Today", timedelta(0)),
    ("Last 24 hours", timedelta(days=1)),
    ("Last 7 days", timedelta(days=7)),
]
# The words a status is searched by: its label in the window and its name in the journal.
STATUS_WORDS = {status: f"{label} {status.value}" for status, label in STATUS_LABELS.items()}
FILTERS: list[tuple[str, StatusGroup | None]] = [
    ("All", None),
    ("Failed", StatusGroup.FAILED),
    ("Pending", StatusGroup.PENDING),
]
# The counters that stand for a filter, and show it when clicked; the others only count.
PILL_FILTERS: dict[str, StatusGroup | None] = {
    "shots": None,
    "failures": StatusGroup.FAILED,
    "pending": StatusGroup.PENDING,
}


class TimelinePanel(QWidget):
    selected = Signal(object)  # the TimelineRow shown in the detail pane, or None
    filter_changed = Signal(object)  # the StatusGroup shown, or None: the feed reads it anew
    query_changed = Signal(object)  # the Query the search and filters make: the feed reads it
    sessions_wanted = Signal()  # a new session appeared: the session filter's list is stale

    def __init__(self, model: TimelineModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.model = model
        self.proxy = TimelineFilter()
        self.proxy.setSourceModel(model)
        self.older = QLabel()  # under the table: the rows the journal holds beyond the model's
        self.older.setProperty("role", "hint")
        self.older.setWordWrap(True)
        self.older.setContentsMargins(14, 4, 12, 6)
        self.older.hide()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self._toolbar())
        self.table: SessionTable = self._table()
        column.addWidget(self.table, 1)
        column.addWidget(self.older)
        self._selecting = False
        self._refresh = QTimer(self, singleShot=True, interval=150)
        self._refresh.timeout.connect(self._emit_selected)
        self.proxy.rowsInserted.connect(self._rows_inserted)
        self.proxy.rowsAboutToBeInserted.connect(self._remember_scroll)
        self.model.dataChanged.connect(self._data_changed)
        self._scroll_before = 0
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._emit_query)
        self._asked = Query()  # the query last asked of the feed
        self._answered = False  # the model holds the rows the journal found for `_asked`
        self._newest_session: int | None = None
        self._waiting = 0  # rows inserted above while the view held still
        self._pointer_over = False
        self.table.viewport().installEventFilter(self)
        # The rows in view ask for their thumbnails after anything that changes which rows
        # those are (coalesced: once per turn of the event loop).
        self._in_view = QTimer(self, singleShot=True, interval=0)
        self._in_view.timeout.connect(self._want_thumbnails)
        for signal in (
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.layoutChanged,
            self.proxy.modelReset,
            self.table.verticalScrollBar().rangeChanged,
            self.model.thumbnail_forgotten,
        ):
            signal.connect(self._schedule_in_view)
        # A scroll asks at once: each page scrolled past asks, newest request first served.
        self.table.verticalScrollBar().valueChanged.connect(self._want_thumbnails)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset):
            signal.connect(self._show_empty)
        self._midnight = QTimer(self, singleShot=True, timerType=Qt.TimerType.VeryCoarseTimer)
        self._midnight.timeout.connect(self._new_day)
        self._midnight.start(until_midnight_ms())

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
        row.addWidget(self._search_field(), 2)
        row.addStretch(1)
        self.filter_group = QButtonGroup(self)
        for i, (label, _group) in enumerate(FILTERS):
            button = QToolButton()
            button.setText(label)
            button.setCheckable(True)
            button.setChecked(i == 0)
            name_widget(button, f"Show {label.lower()} rows")
            self.filter_group.addButton(button, i)
            row.addWidget(button)
        self.filter_group.idClicked.connect(lambda i: self.set_filter(FILTERS[i][1]))
        row.addSpacing(8)
        self.follow = QToolButton()
        self.follow.setText("Follow newest")
        self.follow.setIcon(icon("arrow-up", Palette.ACCENT_INK))
        self.follow.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.follow.setCheckable(True)
        self.follow.setChecked(True)
        self.follow.setToolTip("Keep the newest row selected and in view")
        self.follow.toggled.connect(self._follow_toggled)
        name_widget(self.follow, "Follow newest")
        row.addWidget(self.follow)
        strip = QHBoxLayout()
        strip.setSpacing(6)
        self.counters: dict[str, CounterPill] = {}
        for name in ("shots", "uploaded", "notified", "callbacks", "failures", "pending"):
            chip = CounterPill(name in PILL_FILTERS)
            if name in PILL_FILTERS:
                chip.setToolTip(_pill_tip(PILL_FILTERS[name]))
                chip.clicked.connect(lambda group=PILL_FILTERS[name]: self.set_filter(group))
            self.counters[name] = chip
            strip.addWidget(chip)
        strip.addStretch(1)
        self.new_rows = self._new_rows_button()
        strip.addWidget(self.new_rows)
        rows.addLayout(strip)
        rows.addLayout(self._filters_row())
        self.set_counters(Counters())
        return bar

    def _filters_row(self) -> QHBoxLayout:
        """The session and time filters, how many rows the search finds, and the newest
        session's own counters beside the all-time ones above."""
        row = QHBoxLayout()
        row.setSpacing(6)
        self.session_box = QComboBox()
        self.session_box.addItem("All sessions", None)
        self.session_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.session_box.setToolTip("Show only the rows of one capture session")
        name_widget(self.session_box, "Session filter", self.session_box.toolTip())
        self.session_box.activated.connect(lambda _i: self._emit_query())
        row.addWidget(self.session_box)
        self.time_box = QComboBox()
        for label, ago in TIME_RANGES:
            self.time_box.addItem(label, ago)
        self.time_box.setToolTip("Show only the rows captured (or received) in this time")
        name_widget(self.time_box, "Time filter", self.time_box.toolTip())
        self.time_box.activated.connect(lambda _i: self._emit_query())
        row.addWidget(self.time_box)
        self.matches = QLabel()
        self.matches.setProperty("role", "hint")
        self.matches.hide()
        row.addWidget(self.matches)
        row.addStretch(1)
        self.session_counts = QLabel()
        self.session_counts.setProperty("role", "hint")
        self.session_counts.hide()
        row.addWidget(self.session_counts)
        return row

    def _new_rows_button(self) -> QToolButton:
        """New rows wait above while the pointer is over the table (or the user has scrolled
        or picked a row): the rows under the pointer never move; this says how many wait."""
        button = QToolButton()
        button.setObjectName("newRows")
        button.setIcon(icon("arrow-up", Palette.ACCENT_INK))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setToolTip("New rows arrived above: show the newest")
        button.clicked.connect(self._select_top)
        button.hide()
        name_widget(button, "Show the new rows", button.toolTip())
        return button

    def _search_field(self) -> QLineEdit:
        self.search = QLineEdit()
        self.search.setPlaceholderText(SEARCH_HINT)
        self.search.setMinimumWidth(self.search.fontMetrics().horizontalAdvance("Search key, req…"))
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip(
            "Show only the rows whose requestId, object key, channel, uid, status, status code"
            " or bodies hold this, from the whole journal"
        )
        self.search.setMaximumWidth(280)
        name_widget(self.search, "Search the timeline")
        self.search.textChanged.connect(self._search_changed)
        return self.search

    def _table(self) -> SessionTable:
        table = SessionTable(self.session_of)
        name_widget(
            table,
            "Timeline",
            "One row per shot, newest on top: status, capture time and object key, upload,"
            " notification attempts and callback. Arrow keys move between rows.",
        )
        table.setModel(self.proxy)
        # Tab leaves the table for the next control; the arrow keys move between its rows.
        table.setTabKeyNavigation(False)
        table.setItemDelegate(TipDelegate(self.proxy, self.model, table))
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)  # the cells break their own lines (model.py)
        # The key's line starts with its channel and uid: the end (its time) gives way.
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setIconSize(THUMB_SIZE)  # the thumbnails (icons); the status pixmaps keep theirs
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(Column.SHOT, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        self._fit_cells(table)
        table.selectionModel().currentRowChanged.connect(self._current_changed)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._row_menu)
        self.row_actions: list[QAction] = []  # the row's menu (set by the window)
        self.row_menu: QMenu | None = None  # the one shown last (tests read it)
        self.empty = QLabel(EMPTY)
        self.empty.setProperty("role", "hint")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        QVBoxLayout(table.viewport()).addWidget(self.empty)
        return table

    def _row_menu(self, pos: QPoint) -> None:
        """A right-click picks the row under the pointer and offers the row's actions (Resend,
        Edit and resend): they act on the selected row, as their menu items and keys do."""
        index = self.table.indexAt(pos)
        if not index.isValid() or not self.row_actions:
            return
        self.table.setCurrentIndex(index)
        menu = QMenu(self.table)
        menu.addActions(self.row_actions)
        self.row_menu = menu
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def _fit_cells(self, table: QTableView) -> None:
        """Each diagnostic column as wide as its widest text (model.WIDEST) in the table's
        font, rows tall enough for CELL_LINES lines, and the table never narrower than all its
        columns: a cause is read in full in its cell, never cut to fit."""
        table.ensurePolished()  # the style sheet's font
        metrics = table.fontMetrics()
        header = table.horizontalHeader()
        header_metrics = QFontMetrics(header.font())
        for column, samples in WIDEST.items():
            need = max(metrics.horizontalAdvance(text) for text in samples) + CELL_PAD
            if column is Column.STATUS:
                need += STATUS_ICON.width() + ICON_GAP
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            need = max(need, header_metrics.horizontalAdvance(title) + HEADER_PAD)
            table.setColumnWidth(column, need)
        table.setColumnWidth(Column.THUMB, THUMB_SIZE.width() + CELL_PAD)
        text_height = CELL_LINES * metrics.lineSpacing()
        table.verticalHeader().setDefaultSectionSize(
            max(THUMB_SIZE.height(), text_height) + ROW_PAD
        )
        columns = sum(table.columnWidth(c) for c in Column if c is not Column.SHOT)
        scrollbar = table.verticalScrollBar().sizeHint().width()
        table.setMinimumWidth(columns + SHOT_MIN + scrollbar + 2 * table.frameWidth())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_cells(self.table)

    def row_height(self) -> int:
        return self.table.verticalHeader().defaultSectionSize()

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
        self._counters = counters
        self._show_older(counters)
        self._show_session(counters.session)
        self._show_matches(counters.matching)
        for name, (value, label, tone) in values.items():
            chip = self.counters[name]
            chip.setText(f"{label} <b>{value:,}</b>")
            if chip.property("tone") != tone:
                chip.setProperty("tone", tone)
                chip.style().unpolish(chip)
                chip.style().polish(chip)

    def show_rows(self, rows: list[TimelineRow], counters: Counters | None, fresh: bool) -> None:
        """What the feed read: `fresh` rows start the window over (at start, or after the
        filter changed); the counters come with the last batch of a read."""
        if fresh:
            self.model.restart()
        self.model.apply(rows)
        if counters is not None:
            self.set_counters(counters)

    def set_filter(self, group: StatusGroup | None) -> None:
        """Show one status group (or all): at once among the rows kept, then from the whole
        journal as the feed reads the group's newest rows again."""
        changed = group is not self.model.group
        self.model.group = group
        self.proxy.set_group(group)
        self._show_empty()
        if changed:
            self.filter_changed.emit(group)
            self._emit_query()
        index = [g for _, g in FILTERS].index(group)
        self.filter_group.button(index).setChecked(True)
        if self.follow.isChecked():
            self._select_top()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _search_changed(self, text: str) -> None:
        self.proxy.set_search(text)
        self._answered = False
        self._show_empty()
        self._show_older(self._counters)
        if self.follow.isChecked():
            self._select_top()
        self._search_timer.start()

    def query(self, now: datetime | None = None) -> Query:
        """What the search box and the filters ask for."""
        text = self.search.text().strip()
        ago = self.time_box.currentData()
        since = None
        if isinstance(ago, timedelta):
            local = (now or datetime.now(UTC)).astimezone()
            midnight = datetime.combine(local.date(), time(0), local.tzinfo)
            since = midnight if not ago else local - ago
        session = self.session_box.currentData()
        return Query(
            text=text,
            statuses=statuses_named(text, STATUS_WORDS),
            group=self.model.group,
            session_id=session if isinstance(session, int) else None,
            since=since,
        )

    def _emit_query(self) -> None:
        self._search_timer.stop()
        query = self.query()
        if query == self._asked and not query.since:  # a time range moves on: ask again
            return
        self._asked = query
        self._answered = False
        self.query_changed.emit(query)

    def query_applied(self, query: Query) -> None:
        """The feed's next fresh rows answer `query` (from its worker, queued): when that is
        what the search box says, the journal did the text search; the proxy stops doing it."""
        if query.text == self.search.text().strip() and query.text:
            self._answered = True
            self.proxy.set_search("")
        self._show_older(self._counters)

    def set_sessions(self, sessions: list[SessionInfo]) -> None:
        """The session filter's choices (newest first); the one chosen stays chosen."""
        chosen = self.session_box.currentData()
        self.session_box.clear()
        self.session_box.addItem("All sessions", None)
        for info in sessions:
            self.session_box.addItem(session_label(info), info.id)
        at = self.session_box.findData(chosen) if chosen is not None else 0
        self.session_box.setCurrentIndex(max(at, 0))

    def _show_session(self, session: SessionInfo | None) -> None:
        if session is None:
            self.session_counts.hide()
            return
        if session.id != self._newest_session:
            self._newest_session = session.id
            self.sessions_wanted.emit()
        c = session.counters
        self.session_counts.setText(
            f"Session #{session.id}: {c.shots:,} shots · {c.failures:,} failed"
            f" · {c.pending:,} pending"
        )
        self.session_counts.setToolTip(
            f"The counters of the newest session alone (started {_local(session.started_at)})"
        )
        self.session_counts.show()

    def _show_matches(self, matching: int | None) -> None:
        self.matches.setVisible(matching is not None)
        if matching is not None:
            self.matches.setText(f"{matching:,} row{'s' if matching != 1 else ''} found")

    def shown_rows(self) -> list[TimelineRow]:
        """The rows the filter and the search let through, top to bottom."""
        proxy = self.proxy
        return [
            self.model.row_at(proxy.mapToSource(proxy.index(r, Column.STATUS)).row())
            for r in range(proxy.rowCount())
        ]

    def session_of(self, proxy_row: int) -> int | None:
        """The session of the row the table shows at `proxy_row` (None: a foreign callback)."""
        proxy = self.proxy
        return self.model.row_at(proxy.mapToSource(proxy.index(proxy_row, 0)).row()).session_id

    def current_row(self) -> TimelineRow | None:
        index = self.proxy.mapToSource(self.table.currentIndex())
        return self.model.row_at(index.row()) if index.isValid() else None

    def rows_in_view(self) -> range:
        """The filter's rows the table shows now, top to bottom."""
        count = self.proxy.rowCount()
        if count == 0:
            return range(0)
        top = self.table.rowAt(0)
        bottom = self.table.rowAt(self.table.viewport().height() - 1)
        return range(max(top, 0), (count - 1 if bottom < 0 else bottom) + 1)

    def _schedule_in_view(self, *_args: object) -> None:
        self._in_view.start()  # not start(msec): signals pass arguments that are not delays

    def _want_thumbnails(self, *_args: object) -> None:
        proxy = self.proxy
        self.model.want_thumbnails(
            proxy.mapToSource(proxy.index(row, Column.THUMB)).row() for row in self.rows_in_view()
        )

    def _new_day(self) -> None:
        self.model.restamp()
        self._midnight.start(until_midnight_ms())

    def _show_older(self, counters: Counters) -> None:
        """Say when the journal holds more rows (of the group shown) than the model keeps."""
        group = self.model.group
        in_journal = {
            None: counters.rows,
            StatusGroup.FAILED: counters.failures,
            StatusGroup.PENDING: counters.pending,
        }.get(group, 0)
        if counters.matching is not None:
            in_journal = counters.matching  # the query's rows: the model holds its newest
        shown = self.proxy.rowCount()
        older = in_journal - shown
        # Filtering the model's rows alone (the journal not asked yet) counts nothing more.
        self.older.setVisible(older > 0 and not self.proxy.search)
        if older > 0 and counters.matching is not None:
            self.older.setText(
                f"Showing the newest {shown:,} of the {in_journal:,} rows found; narrow the"
                " search or the filters to see older ones."
            )
        elif older > 0:
            kind = "rows" if group is None else f"{group.value} rows"
            self.older.setText(
                f"Showing the newest {shown:,} {kind}; {older:,} older ones are in the"
                " journal, and the counters include them."
            )

    def _show_empty(self) -> None:
        empty = self.proxy.rowCount() == 0
        if empty:
            self.empty.setText(FILTERED if self.model.rowCount() else EMPTY)
        self.empty.setVisible(empty)

    def select_row(self, proxy_row: int) -> None:
        self.table.setCurrentIndex(self.proxy.index(proxy_row, Column.STATUS))

    # -- following -----------------------------------------------------------------------------

    def _follow_toggled(self, on: bool) -> None:
        if on:
            self._select_top()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The pointer over the table holds the rows still; leaving it, Follow newest catches up."""
        if watched is self.table.viewport():
            if event.type() == QEvent.Type.Enter:
                self._pointer_over = True
            elif event.type() == QEvent.Type.Leave:
                self._pointer_over = False
                if self.follow.isChecked() and self._waiting:
                    self._select_top()
        return super().eventFilter(watched, event)

    def _show_waiting(self, count: int) -> None:
        self._waiting = count
        self.new_rows.setText(f"{count} new")
        self.new_rows.setVisible(count > 0)

    def _select_top(self) -> None:
        self._show_waiting(0)
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
        holding = self._pointer_over or not self.follow.isChecked()
        if not holding:
            self._select_top()
        elif first == 0 and self.proxy.rowCount() > last + 1:  # above rows already shown
            added = last - first + 1
            bar = self.table.verticalScrollBar()
            # Quietly, and before Qt lays the table out again: the rows in view are asked for
            # their thumbnails once the model has settled (the coalesced timer).
            blocked = bar.blockSignals(True)
            bar.setMaximum(bar.maximum() + added * self.row_height())
            bar.setValue(self._scroll_before + added * self.row_height())
            bar.blockSignals(blocked)
            self._in_view.start()
            self._show_waiting(self._waiting + added)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._selecting and current.isValid() and current.row() != 0:
            self.follow.setChecked(False)
        self._refresh.start()

    def _data_changed(
        self, top_left: QModelIndex, bottom_right: QModelIndex, roles: list[int] | None = None
    ) -> None:
        if roles == [Qt.ItemDataRole.DecorationRole]:
            return  # a thumbnail arrived: nothing the detail pane shows
        self._in_view.start()  # a row updated (say, its thumbnail journaled) may ask now
        current = self.proxy.mapToSource(self.table.currentIndex())
        if current.isValid() and top_left.row() <= current.row() <= bottom_right.row():
            self._refresh.start()

    def _emit_selected(self) -> None:
        self.selected.emit(self.current_row())


Index = QModelIndex | QPersistentModelIndex
SEPARATOR_WIDTH = 2
SEPARATOR_PAD = 6  # around the separator's label


def session_breaks(sessions: list[int | None]) -> list[tuple[int, int]]:
    """Where the rows' session changes, top (newest) to bottom: (i, the session above) for
    each i whose row belongs to another session than the rows above it (a foreign callback,
    of no session, belongs to the session around it)."""
    breaks: list[tuple[int, int]] = []
    above: int | None = None
    for i, session in enumerate(sessions):
        if session is None:
            continue
        if above is not None and session != above:
            breaks.append((i, above))
        above = session
    return breaks


class SessionTable(QTableView):
    """The table, with a line where one capture session's rows end and the one before's start,
    labelled `Session #N started` (the rows above it are session N's). Drawn over what Qt
    painted, once per paint of the rows in view: the cells still paint without Python."""

    def __init__(self, session_of: Callable[[int], int | None]) -> None:
        super().__init__()
        self._session_of = session_of

    def visible_breaks(self) -> list[tuple[int, int]]:
        """(proxy row, the session above it) for each session change among the rows in view."""
        count = self.model().rowCount() if self.model() is not None else 0
        if count == 0:
            return []
        top = max(self.rowAt(0), 0)
        bottom = self.rowAt(self.viewport().height() - 1)
        bottom = count - 1 if bottom < 0 else bottom
        first = top
        while first > 0 and self._session_of(first) is None:
            first -= 1  # the session the rows at the top continue
        if first > 0:
            first -= 1
        rows = list(range(first, bottom + 1))
        found = session_breaks([self._session_of(r) for r in rows])
        return [(rows[i], session) for i, session in found if rows[i] >= top]

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        breaks = self.visible_breaks()
        if not breaks:
            return
        painter = QPainter(self.viewport())
        try:
            self._draw_breaks(painter, breaks)
        finally:
            painter.end()

    def _draw_breaks(self, painter: QPainter, breaks: list[tuple[int, int]]) -> None:
        font = painter.font()
        font.setBold(True)
        font.setPointSizeF(max(font.pointSizeF() * 0.85, 7.0))
        painter.setFont(font)
        metrics = QFontMetrics(font)
        width = self.viewport().width()
        for row, session in breaks:
            y = self.rowViewportPosition(row)
            painter.setPen(QPen(colour(Palette.ACCENT_EDGE), SEPARATOR_WIDTH))
            painter.drawLine(0, y, width, y)
            label = f"Session #{session} started"
            box = metrics.boundingRect(label).adjusted(-SEPARATOR_PAD, -2, SEPARATOR_PAD, 2)
            box.moveTo(SEPARATOR_PAD, y - box.height() // 2)
            painter.setPen(QPen(colour(Palette.ACCENT_EDGE), 1))
            painter.setBrush(colour(Palette.ACCENT_TINT))
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(colour(Palette.ACCENT_INK))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)


class CounterPill(QLabel):
    """A counter in the strip. One that `filters` shows its rows when clicked, and looks it
    (a pointing hand, and a border on hover in style.qss); the others look like plain text."""

    clicked = Signal()

    def __init__(self, filters: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("counter")
        self.setProperty("filters", filters)
        if filters:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
            self.setAttribute(Qt.WidgetAttribute.WA_Hover)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        inside = self.rect().contains(event.position().toPoint())
        if self.property("filters") and event.button() is Qt.MouseButton.LeftButton and inside:
            self.clicked.emit()


def session_label(info: SessionInfo) -> str:
    """`Session #4 · Dec 02 09:12`, a session as the filter offers it."""
    return f"Session #{info.id} · {_local(info.started_at)}"


def _local(text: str) -> str:
    try:
        local = parse_iso(text).astimezone()
    except ValueError:
        return text
    today = local.date() == datetime.now().astimezone().date()
    return local.strftime("%H:%M" if today else "%b %d %H:%M")


def _pill_tip(group: StatusGroup | None) -> str:
    label = next(name for name, g in FILTERS if g is group)
    rows = "every row" if group is None else f"only the {group.value} rows"
    return f"Click to show {rows} (the {label} filter)"


def until_midnight_ms(now: datetime | None = None) -> int:
    """Milliseconds from `now` (local) to one second past the next local midnight."""
    now = now or datetime.now().astimezone()
    tomorrow = datetime.combine(now.date() + timedelta(days=1), time(0, 0, 1), now.tzinfo)
    return max(1000, int((tomorrow - now).total_seconds() * 1000))


class TipDelegate(QStyledItemDelegate):
    """Qt's own delegate paints every cell (no Python while painting); only a tooltip, asked
    for when the pointer rests on a cell, is worded here from the row."""

    def __init__(self, proxy: TimelineFilter, model: TimelineModel, parent: QWidget) -> None:
        super().__init__(parent)
        self._proxy = proxy
        self._model = model

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        if event.type() != QEvent.Type.ToolTip or not index.isValid():
            return super().helpEvent(event, view, option, index)
        source = self._proxy.mapToSource(self._proxy.index(index.row(), index.column()))
        text = self._model.tooltip(source.row(), source.column())
        if text:
            QToolTip.showText(event.globalPos(), text, view, option.rect)
        else:
            QToolTip.hideText()
        return True
