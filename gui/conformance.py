"""The "Test a webhook" window: the conformance suite (capture/conformance) run on a worker
against a URL, its table filling as each scenario lands, the selected scenario's facts and
exchanges below it, and the JSON report or JUnit XML saved from it.

The suite runs on one QtWorker per run; every result reaches this window by a queued signal,
and Stop (or closing the window) sets the worker's StopToken, which cancels the running
scenario at once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from capture.conformance import report as reports
from capture.conformance.context import Options
from capture.conformance.grading import Grade, Result
from capture.conformance.html import write_html
from capture.conformance.scenarios import SCENARIOS, Scenario
from capture.conformance.shots import Who
from capture.conformance.suite import Plan, SuiteReport, run
from capture.errors import ConfigError, describe
from capture.runtime import Spawn, StopToken, Worker
from capture.settings.rules import check_http_url
from capture.storage.base import Storage
from gui.accessible import name_widget
from gui.resources import Palette, colour

MakeStorage = Callable[[], Storage | None]
COLUMNS = ("#", "Scenario", "Grade", "Time", "Why")
GRADE_COLOURS = {
    Grade.PASS: Palette.OK,
    Grade.WARN: Palette.PENDING,
    Grade.FAIL: Palette.FAILED,
    Grade.ERROR: Palette.FAILED,
    Grade.SKIP: Palette.MUTED,
}
JSON_FILTER = "JSON report (*.json)"
JUNIT_FILTER = "JUnit XML (*.xml)"
HTML_FILTER = "HTML page for the webhook's owner (*.html)"
# The file's suffix picks its format; a name without one takes the filter's.
WRITERS = {".json": reports.write_json, ".xml": reports.write_junit, ".html": write_html}
FILTER_SUFFIX = {JSON_FILTER: ".json", JUNIT_FILTER: ".xml", HTML_FILTER: ".html"}
EXCHANGES_SHOWN = 5  # of a scenario's exchanges, in the pane (the JSON report holds all)


class _Signals(QObject):
    """From the suite's worker to the window (queued: emitted off the GUI thread)."""

    started = Signal(int, object)  # number, Scenario
    result = Signal(object)  # Result
    finished = Signal(object)  # SuiteReport
    failed = Signal(object)  # an exception the suite could not run past


class SuiteJob:
    """The Runnable: the storage opened, the suite run, the storage closed."""

    def __init__(self, plan: Plan, make_storage: MakeStorage, signals: _Signals) -> None:
        self._plan = plan
        self._make_storage = make_storage
        self._signals = signals

    def run(self, stop: StopToken) -> None:
        try:
            storage = self._make_storage()
        except Exception as exc:  # the webhook can still be graded; the report says so
            storage = None
            self._signals.failed.emit(exc)
        try:
            report = run(
                self._plan,
                storage,
                on_start=self._signals.started.emit,
                on_result=self._signals.result.emit,
                stop=stop,
            )
        except Exception as exc:  # said in the window, and the run ends as stopped
            self._signals.failed.emit(exc)
            report = SuiteReport(self._plan.url, "", stopped=True)
        finally:
            if storage is not None:
                storage.close()
        self._signals.finished.emit(report)


class WebhookTestDialog(QDialog):
    def __init__(
        self,
        spawn: Spawn,
        make_storage: MakeStorage,
        who: Callable[[], Who],
        url: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Test a webhook")
        self._spawn = spawn
        self._make_storage = make_storage
        self._who = who
        self._worker: Worker | None = None
        self._signals = _Signals()
        self._signals.started.connect(self._started)
        self._signals.result.connect(self._landed)
        self._signals.finished.connect(self._finished)
        self._signals.failed.connect(self._storage_failed)
        self._results: dict[int, Result] = {}
        self.report: SuiteReport | None = None
        self._build(url)
        self.resize(980, 620)

    # -- layout ----------------------------------------------------------------------------------

    def _build(self, url: str) -> None:
        layout = QVBoxLayout(self)
        layout.addLayout(self._url_row(url))
        layout.addLayout(self._load_row())
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {Palette.FAILED.hex}")
        self.error.hide()
        layout.addWidget(self.error)
        self.progress = QProgressBar()
        self.progress.setRange(0, len(SCENARIOS))
        self.progress.setValue(0)
        self.progress.setFormat("Not run yet")
        name_widget(self.progress, "Progress", "Scenarios graded so far")
        layout.addWidget(self.progress)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self._table())
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("Pick a scenario to see what was sent and answered.")
        name_widget(self.detail, "Scenario detail", "The selected scenario's facts and exchanges")
        split.addWidget(self.detail)
        split.setSizes([360, 160])
        layout.addWidget(split, 1)
        layout.addLayout(self._bottom_row())

    def _url_row(self, url: str) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel("Webhook URL"))
        self.url = QLineEdit(url)
        self.url.setPlaceholderText("https://example.com/agora/callback")
        name_widget(self.url, "Webhook URL", "The callback URL to grade (the checksum uses it)")
        self.url.returnPressed.connect(self.toggle)
        row.addWidget(self.url, 1)
        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("primary")
        name_widget(self.run_button, "Run", "Run every scenario against the URL, or stop")
        self.run_button.clicked.connect(self.toggle)
        row.addWidget(self.run_button)
        return row

    def _load_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        defaults = Options()
        self.burst = QSpinBox()
        self.burst.setRange(1, 10_000)
        self.burst.setValue(defaults.burst)
        self.rate = QDoubleSpinBox()
        self.rate.setRange(0.1, 10_000)
        self.rate.setDecimals(1)
        self.rate.setValue(defaults.sustain_rate)
        self.seconds = QDoubleSpinBox()
        self.seconds.setRange(0.1, 3_600)
        self.seconds.setDecimals(1)
        self.seconds.setValue(defaults.sustain_seconds)
        for label, box, suffix in (
            ("Burst", self.burst, " at once"),
            ("Steady load", self.rate, " /s"),
            ("for", self.seconds, " s"),
        ):
            row.addWidget(QLabel(label))
            box.setSuffix(suffix)
            name_widget(box, label, f"{label}: the load scenarios' size")
            row.addWidget(box)
        row.addStretch(1)
        return row

    def _table(self) -> QTableWidget:
        table = self.table = QTableWidget(len(SCENARIOS), len(COLUMNS))
        table.setHorizontalHeaderLabels(COLUMNS)
        table.verticalHeader().hide()
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(True)
        header = table.horizontalHeader()
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        for row, scenario in enumerate(SCENARIOS):
            self._set_row(row, scenario, "", "", scenario.title)
        table.itemSelectionChanged.connect(self._show_selected)
        name_widget(table, "Scenarios", "Each scenario's grade and why")
        return table

    def _bottom_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        row.addWidget(self.summary, 1)
        self.save = QPushButton("Save report…")
        self.save.setEnabled(False)
        name_widget(self.save, "Save report", "Write the JSON report or JUnit XML of this run")
        self.save.clicked.connect(self.save_report)
        row.addWidget(self.save)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        row.addWidget(close)
        return row

    def _set_row(self, row: int, scenario: Scenario, grade: str, time: str, why: str) -> None:
        cells = (str(row + 1), scenario.name, grade, time, why)
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if column == 4:
                item.setToolTip(text)
            self.table.setItem(row, column, item)

    def _item(self, row: int, column: int) -> QTableWidgetItem:
        item = self.table.item(row, column)
        assert item is not None, "every cell is set by _set_row"
        return item

    # -- running ---------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._worker is not None and self._worker.is_running()

    def toggle(self) -> None:
        if self._worker is not None:
            self.stop()
        else:
            self.start()

    def start(self) -> None:
        try:
            url = check_http_url("callback_url", self.url.text().strip(), required=True)
        except ConfigError as exc:
            self._say_error(f"Webhook URL: {exc.rule}{exc.shown}.")
            self.url.setFocus()
            return
        self.error.hide()
        options = Options(self.burst.value(), self.rate.value(), self.seconds.value())
        plan = Plan(url, self._who(), options=options)
        self._results.clear()
        self.report = None
        for row, scenario in enumerate(SCENARIOS):
            self._set_row(row, scenario, "", "", scenario.title)
        self.progress.setValue(0)
        self.progress.setFormat(f"Starting: {len(SCENARIOS)} scenarios against {url}")
        self.summary.setText("")
        self.save.setEnabled(False)
        self.run_button.setText("Stop")
        self._worker = self._spawn("conformance", SuiteJob(plan, self._make_storage, self._signals))
        self._worker.start()

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.request_stop()
            self.run_button.setEnabled(False)
            self.progress.setFormat("Stopping…")

    def join(self, timeout: float) -> bool:
        """For the window's close: True when no run is left (a stop is asked for first)."""
        if self._worker is None:
            return True
        self._worker.request_stop()
        return self._worker.join(timeout)

    def _started(self, number: int, scenario: Scenario) -> None:
        self.progress.setFormat(
            f"{number - 1} of {len(SCENARIOS)} graded · running {scenario.name}"
        )
        self._set_row(number - 1, scenario, "running…", "", scenario.title)
        self.table.scrollToItem(self._item(number - 1, 0))

    def _landed(self, result: Result) -> None:
        self._results[result.number] = result
        row = result.number - 1
        scenario = SCENARIOS[row]
        self._set_row(row, scenario, str(result.grade), f"{result.seconds:.2f} s", result.why)
        self._item(row, 2).setForeground(colour(GRADE_COLOURS[result.grade]))
        self.progress.setValue(len(self._results))
        if self.table.currentRow() == row:
            self._show_selected()

    def _finished(self, report: SuiteReport) -> None:
        self._worker = None
        self.report = report
        self.run_button.setText("Run")
        self.run_button.setEnabled(True)
        self.save.setEnabled(bool(report.results))
        self.progress.setFormat(f"{len(report.results)} of {len(SCENARIOS)} graded")
        self.summary.setText(reports.summary(report))
        colour = Palette.OK if report.ok else Palette.FAILED
        self.summary.setStyleSheet(f"color: {colour.hex}")
        if report.storage_problems:
            shown = "; ".join(report.storage_problems)
            self._say_error(f"Pictures not all uploaded to {report.storage}: {shown}")

    def _storage_failed(self, exc: BaseException) -> None:
        self._say_error(f"Not all went to plan (the webhook is graded anyway): {describe(exc)}")

    def _say_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _show_selected(self) -> None:
        result = self._results.get(self.table.currentRow() + 1)
        self.detail.setPlainText(describe_result(result) if result else "")

    # -- saving ----------------------------------------------------------------------------------

    def save_report(self) -> None:
        if self.report is None:
            return
        name, chosen = QFileDialog.getSaveFileName(
            self, "Save the report", "conformance.html", ";;".join(FILTER_SUFFIX), HTML_FILTER
        )
        if name:
            path = Path(name)
            if path.suffix.lower() not in WRITERS:
                path = path.with_name(path.name + FILTER_SUFFIX.get(chosen, ".json"))
            self.write_report(path)

    def write_report(self, path: Path) -> None:
        """The report in the format its suffix names (.json, .xml JUnit, .html)."""
        assert self.report is not None
        try:
            WRITERS[path.suffix.lower()](self.report, path)
        except OSError as exc:
            self._say_error(f"Cannot write {path}: {exc.strerror or exc}")
            return
        self.summary.setText(f"{reports.summary(self.report)} · saved to {path}")

    def closeEvent(self, event: object) -> None:
        self.stop()
        super().closeEvent(event)  # type: ignore[arg-type]


def describe_result(result: Result) -> str:
    """The pane's text for one scenario: why, its facts, and its first exchanges in full."""
    lines = [f"{result.number}. {result.title}: {result.grade}", result.why, ""]
    if result.facts:
        lines += [f"{key}: {value}" for key, value in result.facts.items()] + [""]
    shown = result.exchanges[:EXCHANGES_SHOWN]
    lines.append(f"{len(result.exchanges)} exchange(s); the first {len(shown)}:")
    for x in shown:
        lines.append(f"POST {x.url} -> {x.status or x.error} in {x.seconds * 1000:.0f} ms")
        lines.append(f"  sent: {x.request_body[:400].decode('utf-8', 'replace')}")
        answer = x.answer_body[:400].decode("utf-8", "replace")
        lines.append(f"  answered: {x.content_type or 'no Content-Type'} {answer!r}")
        if x.fault:
            lines.append(f"  fault: {x.fault}")
    return "\n".join(lines)
