"""Connects the window to the engine: start/stop, sources, storage checks, webhook modes,
settings persistence, engine events, and a clean shutdown.

Engine calls that may block (start/stop, switching sources, the webhook) run in order on the
`control` queue; journal reads on the timeline workers; storage checks on `probe`; settings
files and the keyring on `io`. The GUI thread only ever waits on signals. Start-up and closing
are named steps (gui/startup.py, gui/shutdown.py) run in order on this controller's parts.
"""

from __future__ import annotations

import time
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from capture.engine import Engine
from capture.errors import ShotHookError
from capture.events import Fanout
from capture.export.command import Written, export
from capture.journal.reader import SessionInfo, TimelineReader, TimelineRow
from capture.journal.states import StatusGroup
from capture.logs import get_logger
from capture.reconcile import LAST, Reconciliation, reconcile_session, summary_lines, with_secret_of
from capture.report import write_report
from capture.report.bundle import write_bundle
from capture.runtime import Runnable, Spawn, StopToken, Worker
from capture.settings.model import Settings, StorageKind
from capture.settings.store import SettingsStore
from capture.sources import list_cameras, make_source
from capture.storage import make_storage
from capture.storage.base import CheckStep, Storage
from gui import history, shutdown, startup
from gui.actions import connect_actions
from gui.banners import Kind
from gui.bridge import EventBridge
from gui.engine_events import EventPresenter, log_event
from gui.errors import (
    ErrorReporter,
    error_dialog,
    problem_banner,
    show_crash,
    status_message,
    words,
)
from gui.exchange_export import choose_exchange_file, exchange_job
from gui.main_window import SUBTITLE, TITLE, MainWindow, RunState
from gui.menus import ShortcutsSheet
from gui.plot import LatencyFeed
from gui.preview import PreviewFeed
from gui.resend_dialog import ResendDialog
from gui.startup import Secret, Startup
from gui.steps import Step, run_steps
from gui.tasks import TaskQueue
from gui.timeline.export import CSV_FILTER, DEFAULT_NAME, write_rows
from gui.timeline.feed import ThumbnailLoader, TimelineFeed
from gui.timeline.view import SESSIONS_SHOWN
from gui.workers import running_workers

if TYPE_CHECKING:
    from gui.conformance import WebhookTestDialog

_log = get_logger(__name__)
STATUS_POLL_MS = 500
SAVE_DELAY_MS = 800
FIRST_FRAME_WAIT_S = 5.0
DETAIL_IMAGE = QSize(960, 540)  # the largest picture the detail pane gets (2x its own size)
EXPORTED_MS = 10_000  # how long the status bar says where the export went
RESEND_MESSAGE_MS = 15_000  # how long the status bar says how a resend went
REPORT_NAME, REPORT_FILTER = "shothook-report.html", "HTML files (*.html);;All files (*)"
BUNDLE_NAME, ZIP_FILTER = "shothook-bundle.zip", "Zip files (*.zip);;All files (*)"


def choose_export_file(parent: QWidget) -> str:
    """The CSV file the user picks to export to, "" when cancelled."""
    return QFileDialog.getSaveFileName(parent, "Export the rows shown", DEFAULT_NAME, CSV_FILTER)[0]


def choose_report_file(parent: QWidget) -> str:
    """The HTML file the user picks for the session report, "" when cancelled."""
    return QFileDialog.getSaveFileName(parent, "Export report", REPORT_NAME, REPORT_FILTER)[0]


def choose_bundle_file(parent: QWidget) -> str:
    """The zip file the user picks for the diagnostic bundle, "" when cancelled."""
    return QFileDialog.getSaveFileName(parent, "Export diagnostic bundle", BUNDLE_NAME, ZIP_FILTER)[
        0
    ]


def _session_words(ref: int | str) -> str:
    return "the last session" if ref == LAST else f"session {ref}"


def _with_suffix(path: Path, suffix: str) -> Path:
    """`path` ending in `suffix` (a dialog may return a name typed without it)."""
    return path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)


class _Rows(QObject):
    """Signals from the journal readers (emitted on workers, received in the GUI thread)."""

    rows = Signal(object, object, bool)  # list[TimelineRow], Counters | None, fresh
    applied = Signal(object)  # the Query the next fresh rows answer


class AppController(QObject):
    closed = Signal(list)  # names of threads that did not stop in time

    def __init__(
        self,
        window: MainWindow,
        engine: Engine,
        sink: Fanout,
        bridge: EventBridge,
        store: SettingsStore,
        spawn: Spawn,
        reporter: ErrorReporter,
    ) -> None:
        super().__init__()
        self.window = window
        self.engine = engine
        self.store = store
        self.spawn = spawn
        self.reporter = reporter
        self._closing = False
        self.closing_token = StopToken()  # set on close: blocking calls stop being waited on
        self._finished = False
        self._close_started = 0.0
        self.workers: list[Worker] = []  # the window's own loops, joined on close
        unexpected = lambda exc: reporter.report("a background task", exc)  # noqa: E731
        self.control = TaskQueue("control", spawn, unexpected)
        self.io = TaskQueue("io", spawn, unexpected)
        self.probe = TaskQueue("probe", spawn, unexpected)
        self.resender = TaskQueue("resend", spawn, unexpected)  # up to 3 x 5 s each
        self.queues = (self.control, self.io, self.probe, self.resender)
        self.preview_feed: PreviewFeed | None = None
        self.webhook_test: WebhookTestDialog | None = None  # Capture > Test a webhook
        self._signals = _Rows()
        self._signals.rows.connect(window.timeline.show_rows)
        self._signals.applied.connect(window.timeline.query_applied)
        self.feed = TimelineFeed(
            engine.data_dir.journal, self._signals.rows.emit, applied=self._signals.applied.emit
        )
        self.thumbs = ThumbnailLoader(engine.data_dir.journal)
        self.thumbs.serve(window.timeline.model)
        self.latency_feed = LatencyFeed(engine.data_dir.journal, window.latency.deliver)
        sink.add(lambda _event: self.feed.poke())
        sink.add(lambda _event: self.latency_feed.poke())
        window.timeline.query_changed.connect(self.feed.set_query)
        window.timeline.sessions_wanted.connect(self.load_sessions)
        sink.add(log_event)
        self.events = EventPresenter(window, self._poll_source, self.set_answer_mode)
        bridge.happened.connect(self.events.show)
        reporter.crashed.connect(
            lambda where, msg, trace: show_crash(window.banners, where, msg, trace)
        )
        self.detail_reader: TimelineReader | None = None  # opened on `io` when first needed
        self.last_dialog: QMessageBox | None = None
        self.resend_dialog: ResendDialog | None = None
        self.shortcuts_sheet: ShortcutsSheet | None = None  # made when first asked for
        self._detail_token = 0
        self.next_data_dir: Path | None = None  # set to switch: run_window opens it next
        self._startup: Startup | None = None  # until the webhook and secret are under way
        self.save_timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self.save_timer.timeout.connect(self.save_settings)
        self.status_timer = QTimer(self, interval=STATUS_POLL_MS)
        self.status_timer.timeout.connect(self._poll_source)
        self._wire(window)

    def _wire(self, w: MainWindow) -> None:
        w.start_requested.connect(self.start)
        w.stop_requested.connect(self.stop)
        w.close_requested.connect(self.close)
        w.picker.chosen.connect(self.choose_source)
        w.picker.refresh_requested.connect(self.find_cameras)
        w.form.edited.connect(self.save_timer.start)
        w.form.storage.test_requested.connect(self.test_storage)
        w.form.webhook.mode_changed.connect(self.set_answer_mode)
        w.form.webhook.public_url_changed.connect(self._set_public_url)
        w.timeline.selected.connect(self.show_detail)
        connect_actions(w.commands, self)

    def _run(self, phase: str, steps: list[Step]) -> None:
        run_steps(phase, steps, self.reporter.report)

    # -- start-up (gui/startup.py) ---------------------------------------------------------------

    def startup(self, how: Startup) -> None:
        self._startup = how
        self._run("start-up", startup.before_first_frame(self, how))

    def start_the_rest(self) -> None:
        """Once: the steps that wait for the first frame (the webhook, the secret key)."""
        how = self._startup
        if how is None or self._closing:
            return
        self._startup = None
        self._run("start-up", startup.after_first_frame(self, how))

    def secret_read(self, how: Startup, secret: Secret) -> None:
        self._run("start-up", startup.with_the_secret(self, how, secret))

    def find_cameras(self) -> None:
        self.probe.submit(list_cameras, self.window.picker.set_cameras)

    # -- sources -------------------------------------------------------------------------------

    def choose_source(self, spec: str) -> None:
        self.window.form.capture.set_source(spec)
        self.window.banners.remove("source")
        self.window.banners.remove("no-camera")
        self.save_timer.start()

        def switch() -> None:
            self.engine.use_source(make_source(spec))

        self.control.submit(switch, on_error=self._picked_source_failed)

    def _picked_source_failed(self, exc: BaseException) -> None:
        """The user just picked it: say so at once, in a dialog, and keep it in a banner."""
        self.source_failed(exc)
        self.last_dialog = error_dialog(self.window, "Cannot use this source", exc)

    def source_failed(self, exc: BaseException) -> None:
        problem_banner(self.window.banners, "source", exc, "Cannot use this source")

    def _poll_source(self) -> None:
        state, reason = self.engine.source_state()
        self.window.preview.set_status(
            state, reason, self.engine.slot.fps(), self.engine.source_label
        )

    # -- capture sessions ----------------------------------------------------------------------

    def start(self) -> None:
        w = self.window
        if w.state is not RunState.IDLE or self._closing:
            return
        if w.form.only_the_secret_is_missing() and not w.ask_for_secret():
            return
        settings = w.form.settings()
        if w.form.problems():
            return
        w.banners.remove("start")
        self.start_the_rest()  # the webhook before the session, if no frame came yet
        w.set_state(RunState.STARTING)
        self._show_newest()
        self.save_settings()
        self.control.submit(
            lambda: self._start_session(settings),
            on_done=lambda session: self._started(settings),
            on_error=self._start_failed,
        )

    def _show_newest(self) -> None:
        """The new session's rows arrive on top: a view left on older rows would hide them."""
        timeline = self.window.timeline
        timeline.follow.setChecked(True)  # selects the newest row, when it was off
        timeline.table.scrollToTop()  # follow was on, but the view scrolled away

    def _start_session(self, settings: Settings) -> object:
        if self.engine.slot.latest() is None:  # a source just opening: give it a moment
            self.engine.slot.wait_newer(-1, FIRST_FRAME_WAIT_S)
        return self.engine.start_session(settings)

    def _started(self, settings: Settings) -> None:
        if self._closing:
            return
        where = "S3" if settings.storage.kind is StorageKind.S3 else "local folder"
        self.window.set_state(RunState.RUNNING, f"every {settings.capture.interval} s → {where}")

    def _start_failed(self, exc: BaseException) -> None:
        if not self._closing:
            self.window.set_state(RunState.IDLE)
        problem_banner(self.window.banners, "start", exc, "Cannot start")

    def stop(self) -> None:
        if self.window.state is not RunState.RUNNING:
            return
        self.window.set_state(RunState.STOPPING)
        self.control.submit(self.engine.stop_session, self._stopped)

    def _stopped(self, stuck: list[str]) -> None:
        if self._closing:
            return
        self.window.set_state(RunState.IDLE)
        if stuck:
            self.window.banners.put(
                "stuck", Kind.WARNING, f"Still finishing in the background: {', '.join(stuck)}"
            )

    # -- storage, webhook, settings --------------------------------------------------------------

    def test_storage(self) -> None:
        settings = self.window.form.settings()
        panel = self.window.form.storage
        label = "S3 bucket" if settings.storage.kind is StorageKind.S3 else "local folder"
        panel.show_check_running(label)

        def check() -> tuple[str, list[CheckStep]]:
            # Closing the window must not wait for an endpoint that never answers.
            return self.engine.check_storage(settings.storage, self.closing_token)

        self.probe.submit(
            check,
            on_done=lambda result: panel.show_check(result[0], result[1]),
            on_error=panel.show_check_error,
        )

    def test_webhook(self) -> None:
        """The "Test a webhook" window (one, kept while the main window lives)."""
        if self.webhook_test is None:
            # Loaded on first use: aiohttp and the suite stay out of the start-up's imports.
            from capture.conformance.shots import Who
            from gui.conformance import WebhookTestDialog

            self.webhook_test = WebhookTestDialog(
                self._owned_spawn,
                self._conformance_storage,
                lambda: Who.from_settings(self.window.form.settings()),
                self._url_to_test(),
                self.window,
            )
        self.webhook_test.show()
        self.webhook_test.raise_()
        self.webhook_test.activateWindow()

    def _owned_spawn(self, name: str, runnable: Runnable) -> Worker:
        """A worker the window's close stops and joins with its own."""
        worker = self.spawn(name, runnable)
        self.workers[:] = [w for w in self.workers if w.is_running()] + [worker]
        return worker

    def _conformance_storage(self) -> Storage:
        settings = self.window.form.settings()
        return make_storage(settings.storage, self.engine.data_dir.storage)

    def _url_to_test(self) -> str:
        try:
            return self.engine.callback_url(self.window.form.settings())
        except ShotHookError:
            return ""

    def reconcile_storage(self) -> None:
        """The last session against its storage (its journaled settings, the secret from the
        form when the access key is the same), on `probe`; the result in a dialog."""
        current = self.window.form.settings().storage
        data_dir = self.engine.data_dir
        self.window.statusBar().showMessage("Reconciling the last session with its storage…")

        def run() -> Reconciliation:
            return reconcile_session(
                data_dir.journal, LAST, with_secret_of(current), data_dir.storage
            )

        self.probe.submit(
            lambda: self.engine.abandonable(run, self.closing_token, "reconcile"),
            on_done=self._reconciled,
            on_error=self._reconcile_failed,
        )

    def _reconciled(self, result: Reconciliation) -> None:
        lines = summary_lines(result)
        icon = QMessageBox.Icon.Information if result.ok else QMessageBox.Icon.Warning
        verdict = "The storage matches the journal." if result.ok else lines[-1].capitalize()
        self._show_reconcile(icon, verdict, "\n".join(lines))

    def _reconcile_failed(self, exc: BaseException) -> None:
        self._show_reconcile(QMessageBox.Icon.Warning, f"Cannot reconcile: {words(exc)}", "")

    def _show_reconcile(self, icon: QMessageBox.Icon, text: str, detail: str) -> None:
        self.window.statusBar().clearMessage()
        box = QMessageBox(icon, "Reconcile storage", text, parent=self.window)
        box.setObjectName("reconcile-result")
        if detail:
            box.setDetailedText(detail)
            box.setInformativeText(detail.splitlines()[0])
        box.open()
        self.last_dialog = box

    def set_answer_mode(self, mode: object) -> None:
        webhook = self.engine.webhook
        if webhook is not None:
            webhook.set_mode(mode)  # type: ignore[arg-type]
            self.window.webhook_status.setText(
                f"Webhook: {webhook.url} · {webhook.mode.describe()}"
            )

    def _set_public_url(self, url: str) -> None:
        if self.engine.webhook is not None and not self.window.form.webhook.values()[1]:
            self.engine.webhook.set_public_url(url)

    def save_settings(self) -> None:
        settings = self.window.form.settings()
        if not self.window.form.problems():
            self.io.submit(
                lambda: self.store.save(settings),
                on_error=lambda exc: status_message(
                    self.window.statusBar(), exc, "Cannot save settings"
                ),
            )

    # -- timeline and detail -------------------------------------------------------------------

    def show_detail(self, row: TimelineRow | None) -> None:
        self._detail_token += 1
        token = self._detail_token
        if row is None:
            self.window.detail.show_detail(None, QImage())
            return

        def load() -> tuple[Any, QImage]:
            if self.detail_reader is None:
                self.detail_reader = TimelineReader(self.engine.data_dir.journal)
            detail = self.detail_reader.detail(row)
            image = QImage(detail.image_path) if detail.image_path else QImage()
            if image.width() > DETAIL_IMAGE.width() or image.height() > DETAIL_IMAGE.height():
                # Scaled here, on `io`: the pane's own scaling of a 1080p shot would run on the
                # GUI thread once a shot while the timeline follows the newest row (the row
                # "preview: GUI thread's longest stall" guards that thread).
                image = image.scaled(
                    DETAIL_IMAGE,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            return detail, image

        def loaded(result: tuple[Any, QImage]) -> None:
            if token == self._detail_token:
                self.window.detail.show_detail(*result)

        self.io.submit(load, loaded)

    # -- the window's actions (gui/actions.py names these handlers) ---------------------------

    def load_sessions(self) -> None:
        """The session filter's choices, read on `io` (a new session appeared)."""

        def load() -> list[SessionInfo]:
            if self.detail_reader is None:
                self.detail_reader = TimelineReader(self.engine.data_dir.journal)
            return self.detail_reader.sessions(limit=SESSIONS_SHOWN)

        self.io.submit(load, on_done=self.window.timeline.set_sessions)

    def quit(self) -> None:
        self.window.close()  # as the close button: the window asks us to stop everything

    def focus_search(self) -> None:
        self.window.timeline.focus_search()

    def filter_all(self) -> None:
        self.window.timeline.set_filter(None)

    def filter_failed(self) -> None:
        self.window.timeline.set_filter(StatusGroup.FAILED)

    def filter_pending(self) -> None:
        self.window.timeline.set_filter(StatusGroup.PENDING)

    # The detail pane's copy buttons do the copying (and know when there is nothing to copy).
    def copy_url(self) -> None:
        self.window.detail.copy_url.click()

    def copy_key(self) -> None:
        self.window.detail.copy_key.click()

    def copy_payload(self) -> None:
        self.window.detail.copy_payload.click()

    def resend(self) -> None:
        """The selected shot's notification again, as the spec's retry, on `resend`."""
        detail = self.window.detail.detail
        if detail is None or not detail.payload_sent:
            return
        self._resend(detail.row, {}, None)

    def inspect_traffic(self) -> None:
        """The selected row's exchanges, request and answer side by side."""
        self.window.detail.open_inspector()

    def edit_resend(self) -> None:
        """The selected shot's payload in an editor; Send sends it (on `resend`)."""
        detail = self.window.detail.detail
        if detail is None or not detail.payload_sent:
            return
        row = detail.row
        dialog = ResendDialog(row.request_id, detail.callback_url, detail.payload_sent, self.window)
        dialog.send_requested.connect(
            lambda _rid, url, body, recompute: self._resend(
                row, {"to": url, "body": body, "recompute": recompute}, dialog
            )
        )
        self.resend_dialog = dialog
        dialog.open()

    def _resend(self, row: TimelineRow, how: dict[str, Any], dialog: ResendDialog | None) -> None:
        bar = self.window.statusBar()
        bar.showMessage(f"Resending requestId {row.request_id}…", RESEND_MESSAGE_MS)

        def done(outcome: Any) -> None:
            bar.showMessage(outcome.describe(), RESEND_MESSAGE_MS)
            if dialog is not None:
                dialog.show_outcome(outcome.describe(), outcome.prepared.body.decode("utf-8"))
            if self.window.timeline.current_row() is not None:
                self.show_detail(self.window.timeline.current_row())  # its resends, read anew

        def failed(exc: BaseException) -> None:
            status_message(bar, exc, "Cannot resend")
            if dialog is not None:
                dialog.show_error(words(exc))

        self.resender.submit(
            lambda: self.engine.resend(row.request_id, stop=self.closing_token, **how),
            on_done=done,
            on_error=failed,
        )

    def show_shortcuts(self) -> None:
        if self.shortcuts_sheet is None:
            self.shortcuts_sheet = ShortcutsSheet(self.window)
        self.shortcuts_sheet.show()
        self.shortcuts_sheet.raise_()
        self.shortcuts_sheet.activateWindow()

    def show_about(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            f"About {TITLE}",
            f"<b>{TITLE}</b>: {SUBTITLE}.<br>Data folder: {escape(str(self.engine.data_dir.root))}",
            parent=self.window,
        )
        box.open()
        self.last_dialog = box

    def clear_history(self) -> None:
        history.ask_to_clear(self)

    def use_fresh_data_folder(self) -> None:
        history.ask_to_switch(self)

    def reread_timeline(self) -> None:
        """The journal lost rows (cleared): the timeline reads its window again, and the
        session filter its choices."""
        self.feed.set_query(self.window.timeline.query())
        self.load_sessions()

    def export_rows(self) -> None:
        """The rows shown (filter and search applied) to a CSV file the user picks, written on
        `io`: the rows are read here, on the GUI thread, as they are now."""
        path = choose_export_file(self.window)
        if not path:
            return
        rows = self.window.timeline.shown_rows()
        bar = self.window.statusBar()
        self.io.submit(
            lambda: write_rows(Path(path), rows),
            on_done=lambda count: bar.showMessage(
                f"Exported {count:,} rows to {path}", EXPORTED_MS
            ),
            on_error=lambda exc: status_message(bar, exc, "Cannot export the rows"),
        )

    def export_exchanges(self) -> None:
        """Every recorded exchange to the file the user picks (gui/exchange_export.py), written
        on `io`; the status bar says where it went, or why not."""
        path = choose_exchange_file(self.window)
        if not path:
            return
        job = exchange_job(path, self.window.form.settings())
        journal, bar = self.engine.data_dir.journal, self.window.statusBar()

        def done(written: Written) -> None:
            line = written.describe()
            bar.showMessage(line[:1].upper() + line[1:], EXPORTED_MS)

        self.io.submit(
            lambda: export(journal, job),
            on_done=done,
            on_error=lambda exc: status_message(bar, exc, "Cannot export the exchanges"),
        )

    def export_report(self) -> None:
        """The report (FILE.html and FILE.json) of the session the session filter shows (else
        the last) to the file the user picks, made on `io` from the journal; where it went in
        the status bar."""
        path = choose_report_file(self.window)
        if not path:
            return
        html = _with_suffix(Path(path), ".html")
        journal = self.engine.data_dir.journal
        ref = self._session_shown()
        bar = self.window.statusBar()
        bar.showMessage(f"Writing the report of {_session_words(ref)}…")
        self.io.submit(
            lambda: write_report(journal, ref, html),
            on_done=lambda files: bar.showMessage(
                f"Report of session {files.facts.session.id} written to {files.html}"
                f" (and {files.json.name})",
                EXPORTED_MS,
            ),
            on_error=lambda exc: status_message(bar, exc, "Cannot write the report"),
        )

    def export_bundle(self) -> None:
        """The diagnostic bundle of the session shown (else the last) to the zip the user
        picks, made on `io`; the form's secret key is among the secrets scrubbed from every
        file of it."""
        path = choose_bundle_file(self.window)
        if not path:
            return
        target = _with_suffix(Path(path), ".zip")
        data_dir = self.engine.data_dir
        secret = self.window.form.settings().storage.secret_key.reveal()
        ref = self._session_shown()
        bar = self.window.statusBar()
        bar.showMessage(f"Writing the diagnostic bundle of {_session_words(ref)}…")
        self.io.submit(
            lambda: write_bundle(data_dir, ref, target, [secret]),
            on_done=lambda bundle: bar.showMessage(
                f"Diagnostic bundle of session {bundle.session_id} written to {bundle.path}",
                EXPORTED_MS,
            ),
            on_error=lambda exc: status_message(bar, exc, "Cannot write the bundle"),
        )

    def _session_shown(self) -> int | str:
        """The session the timeline's session filter picks, else `last`."""
        chosen = self.window.timeline.query().session_id
        return LAST if chosen is None else chosen

    # -- closing (gui/shutdown.py) ---------------------------------------------------------------

    def close(self) -> None:
        """Stop everything cooperatively, then close the window (emits `closed`)."""
        if self._closing:
            return
        self._closing = True
        self._close_started = time.monotonic()
        self._run("closing", shutdown.closing_steps(self))

    def finish(self, stuck: list[str]) -> None:
        """Once, when the engine has closed (`stuck`: what it left running) or the deadline
        passed: join everything, close the window, and say what is still running."""
        if self._finished:
            return
        self._finished = True
        self._run("closing", shutdown.finishing_steps(self))
        leftover = sorted(set(stuck) | set(running_workers()))
        if leftover:
            _log.warning("still running at exit: %s", ", ".join(leftover))
        _log.info("closed in %.1f s", time.monotonic() - self._close_started)
        self.closed.emit(leftover)
