"""The selected row's HTTP traffic: a list in the detail pane (one line an exchange: each
attempt the sender made, each request the webhook received) and the inspector window, which
shows one exchange's request and answer side by side: headers as a table, bodies raw or as
coloured JSON, the time broken down, and copy buttons (headers, body, the whole exchange, and
Copy as curl, a command that sends that request again).

The pane is a narrow column, so the list stays in it and the two sides open in a window of their
own (Inspect, a double click, or Edit > Inspect traffic); the window follows the pane's row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from capture.export.curl import curl_command
from capture.journal import wire
from capture.journal.records import Direction, Exchange, Headers
from gui.accessible import name_widget
from gui.code_view import CodeView
from gui.resources import Palette, colour, icon
from gui.settings.fields import hint, section_title

LIST_ROWS = 5  # lines the pane's list shows before it scrolls
COPIED_MS = 1500
NO_TRAFFIC = "No HTTP traffic journaled for this row (rows from before the inspector have none)."


def traffic_line(exchange: Exchange) -> str:
    """One exchange in a line: which way, which attempt, what was asked and answered, how long."""
    if exchange.direction is Direction.SENT:
        who = f"→ attempt {exchange.attempt}" if exchange.attempt else "→ sent"
    elif exchange.direction is Direction.FORWARDED:
        who = "⇢ forwarded"  # by --forward-to: the received request sent on, its URL after
    else:
        who = f"← received from {exchange.remote}" if exchange.remote else "← received"
    status = exchange.status if exchange.status is not None else "no answer"
    took = exchange.timing.total_ms
    tail = f" · {took:.0f} ms" if took is not None else ""
    return f"{who} · {exchange.method} {exchange.url} · {status}{tail}"


def is_failure(exchange: Exchange) -> bool:
    return exchange.status != 200


class TrafficList(QWidget):
    """The pane's section: the row's exchanges, oldest first, and Inspect."""

    inspect = Signal(int)  # the index of the exchange to open in the inspector

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(section_title("HTTP traffic"))
        self.empty = hint(NO_TRAFFIC)
        column.addWidget(self.empty)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        name_widget(self.list, "HTTP traffic", "Each request sent or received for this row")
        self.list.itemActivated.connect(lambda _item: self._open())
        column.addWidget(self.list)
        self.inspect_button = QPushButton(icon("globe", Palette.INK_SOFT), "Inspect…")
        name_widget(
            self.inspect_button,
            "Inspect traffic",
            "Open the selected exchange's request and answer side by side",
        )
        self.inspect_button.clicked.connect(self._open)
        buttons = QHBoxLayout()
        buttons.addWidget(self.inspect_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.exchanges: tuple[Exchange, ...] = ()
        self.show_exchanges(())

    def show_exchanges(self, exchanges: Sequence[Exchange]) -> None:
        if tuple(exchanges) == self.exchanges and self.list.count() == len(exchanges):
            return  # the row's facts were refreshed: the list, its selection and scroll stay
        self.exchanges = tuple(exchanges)
        self.list.clear()
        for exchange in self.exchanges:
            item = QListWidgetItem(wire_break(traffic_line(exchange)))
            item.setForeground(colour(Palette.FAILED if is_failure(exchange) else Palette.INK))
            self.list.addItem(item)
        shown = bool(self.exchanges)
        self.empty.setVisible(not shown)
        self.list.setVisible(shown)
        self.inspect_button.setEnabled(shown)
        if shown:
            self.list.setCurrentRow(_first_failure(self.exchanges))
            line = self.list.fontMetrics().lineSpacing()
            self.list.setFixedHeight(min(len(self.exchanges), LIST_ROWS) * (2 * line + 6) + 6)

    def selected(self) -> int:
        return max(0, self.list.currentRow())

    def _open(self) -> None:
        if self.exchanges:
            self.inspect.emit(self.selected())


def wire_break(text: str) -> str:
    """Let a long URL wrap after its slashes in the list."""
    return text.replace("/", "/\u200b")


def _first_failure(exchanges: Sequence[Exchange]) -> int:
    """The exchange to show first: the first that failed, else the newest."""
    return next((i for i, e in enumerate(exchanges) if is_failure(e)), len(exchanges) - 1)


class MessageSide(QWidget):
    """One side of an exchange: its start line, its headers as a table, its body raw and as
    pretty JSON, and buttons copying the headers and the body."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(section_title(title))
        self.start = QLabel()
        self.start.setProperty("role", "mono")
        self.start.setWordWrap(True)
        self.start.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.start)
        self.headers = QTableWidget(0, 2)
        self.headers.setHorizontalHeaderLabels(["Header", "Value"])
        self.headers.verticalHeader().setVisible(False)
        self.headers.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.headers.horizontalHeader().setStretchLastSection(True)
        self.headers.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        name_widget(self.headers, f"{title} headers", "Every header, in order and case as sent")
        self.bodies = QTabWidget()
        self.pretty = CodeView()
        self.raw = CodeView()
        self.bodies.addTab(self.pretty, "Pretty")
        self.bodies.addTab(self.raw, "Raw")
        name_widget(self.pretty, f"{title} body, pretty", "The body as indented, coloured JSON")
        name_widget(self.raw, f"{title} body, raw", "The body exactly as it was sent")
        self.note = hint("")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.headers)
        split.addWidget(self.bodies)
        split.setStretchFactor(1, 2)
        column.addWidget(split, 1)
        column.addWidget(self.note)
        self.copy_headers = _copy_button("Copy headers", f"Copy the {title.lower()}'s headers")
        self.copy_body = _copy_button("Copy body", f"Copy the {title.lower()}'s body as sent")
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_headers)
        buttons.addWidget(self.copy_body)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.header_text = ""
        self.body_text = ""

    def show_message(self, start: str, headers: Headers, body: bytes, size: int | None) -> None:
        self.start.setText(start)
        pairs = wire.header_pairs(headers)
        self.headers.setRowCount(len(pairs))
        for row, (name, value) in enumerate(pairs):
            self.headers.setItem(row, 0, QTableWidgetItem(name))
            self.headers.setItem(row, 1, QTableWidgetItem(value))
        pretty, is_json = wire.pretty_body(body)
        raw = wire.decoded(body)
        self.pretty.show_text(pretty or "(no body)", json=is_json)
        self.raw.show_text(raw or "(no body)")
        self.bodies.setTabText(0, "Pretty JSON" if is_json else "Text")
        self.note.setText(wire.body_note(body, size))
        self.note.setVisible(bool(self.note.text()))
        self.header_text, self.body_text = wire.headers_text(headers), raw
        self.copy_headers.setEnabled(bool(pairs))
        self.copy_body.setEnabled(bool(body))


class ExchangeInspector(QDialog):
    """Request and answer side by side, for each exchange of the row the pane shows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Inspect traffic")
        self.setObjectName("inspector")
        self.resize(1100, 620)
        self.setMinimumSize(640, 420)
        column = QVBoxLayout(self)
        top = QHBoxLayout()
        self.which = QComboBox()
        self.which.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.which.setMinimumContentsLength(30)
        name_widget(self.which, "Exchange", "Which of the row's exchanges is shown")
        self.which.currentIndexChanged.connect(self._show_current)
        top.addWidget(self.which, 1)
        column.addLayout(top)
        self.where = hint("")
        column.addWidget(self.where)
        self.request = MessageSide("Request")
        self.response = MessageSide("Response")
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.request)
        split.addWidget(self.response)
        split.setChildrenCollapsible(False)
        column.addWidget(split, 1)
        self.copy_exchange = _copy_button("Copy exchange", "Copy the request and its answer")
        self.copy_curl = _copy_button(
            "Copy as curl", "Copy a curl command that sends this exact request again"
        )
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_exchange)
        buttons.addWidget(self.copy_curl)
        buttons.addStretch(1)
        buttons.addWidget(close)
        column.addLayout(buttons)
        self._connect_copies()
        self.exchanges: tuple[Exchange, ...] = ()

    def _connect_copies(self) -> None:
        copies: list[tuple[QPushButton, Callable[[], str]]] = [
            (self.request.copy_headers, lambda: self.request.header_text),
            (self.request.copy_body, lambda: self.request.body_text),
            (self.response.copy_headers, lambda: self.response.header_text),
            (self.response.copy_body, lambda: self.response.body_text),
            (self.copy_exchange, lambda: wire.exchange_text(self.current())),
            (self.copy_curl, self.curl),
        ]
        for button, text in copies:
            button.clicked.connect(lambda _=False, b=button, t=text: _copy(b, t()))

    def show_exchanges(self, exchanges: Sequence[Exchange], index: int) -> None:
        """Show the row's `exchanges`, the one at `index` first."""
        self.exchanges = tuple(exchanges)
        self.which.blockSignals(True)
        self.which.clear()
        self.which.addItems([traffic_line(e) for e in self.exchanges])
        self.which.blockSignals(False)
        self.which.setCurrentIndex(min(max(index, 0), len(self.exchanges) - 1))
        self._show_current()

    def current(self) -> Exchange:
        return self.exchanges[max(0, self.which.currentIndex())]

    def curl(self) -> str:
        exchange = self.current()
        return curl_command(exchange, url=wire.full_url(exchange))

    def _show_current(self) -> None:
        if not self.exchanges:
            return
        e = self.current()
        when = f"{e.direction.value} at {e.at} · {wire.full_url(e)}"
        self.where.setText(f"{when}\n{wire.timing_text(e)}" + (f"\n{e.error}" if e.error else ""))
        self.request.show_message(
            wire.request_line(e), e.request_headers, e.request_body, e.request_size
        )
        self.response.show_message(
            wire.status_line(e), e.response_headers, e.response_body, e.response_size
        )


def _copy_button(label: str, tip: str) -> QPushButton:
    button = QPushButton(icon("copy", Palette.INK_SOFT), label)
    button.setProperty("label", label)
    name_widget(button, label, tip)
    return button


def _copy(button: QPushButton, text: str) -> None:
    """Copy, and say so on the button for a moment (the clipboard itself shows nothing)."""
    if not text:
        return
    QGuiApplication.clipboard().setText(text)
    button.setText("Copied")
    QTimer.singleShot(COPIED_MS, button, lambda: button.setText(str(button.property("label"))))
