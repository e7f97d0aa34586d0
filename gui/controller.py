"""Connects the window to the engine: start/stop, sources, storage checks, webhook modes,
settings persistence, engine events, and a clean shutdown.

Engine calls that may block (start/stop, switching sources, the webhook) run in order on the
`control` queue; journal reads on the timeline workers; storage checks on `probe`; settings
files and the keyring on `io`. The GUI thread only ever waits on signals.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from capture.engine import Engine
from capture.errors import ShotHookError, describe
from capture.events import Fanout
from capture.journal.reader import TimelineReader, TimelineRow
from capture.logs import get_logger
from capture.runtime import Spawn, StopToken, Worker
from capture.settings.model import Settings, StorageKind
from capture.settings.store import SettingsStore
from capture.sources import (
    CameraSource,
    FrameSource,
    SyntheticSource,
    list_cameras,
    make_source,
    open_auto,
)
from capture.storage.base import CheckStep
from gui.banners import Kind
from gui.bridge import EventBridge
from gui.engine_events import EventPresenter, log_event
from gui.errors import ErrorReporter, error_dialog, problem_banner, show_crash, status_message
from gui.main_window import MainWindow, RunState
from gui.preview import PreviewFeed
from gui.source_picker import PATTERN
from gui.tasks import TaskQueue
from gui.timeline.feed import ThumbnailLoader, TimelineFeed
from gui.workers import running_workers

_log = get_logger(__name__)
STATUS_POLL_MS = 500
SAVE_DELAY_MS = 800
ENGINE_CLOSE_TIMEOUT_S = 4.0
CLOSE_DEADLINE_MS = 9000
JOIN_TIMEOUT_S = 2.0
FIRST_FRAME_WAIT_S = 5.0
DETAIL_IMAGE = QSize(960, 540)  # the largest picture the detail pane gets (2x its own size)
AFTER_FIRST_FRAME_MS = 1000  # the longest the webhook and secret wait for a first frame


@dataclass(frozen=True)
class Startup:
    settings: Settings
    autostart: bool = False
    warnings: tuple[str, ...] = ()


class _Rows(QObject):
    """Signals from the journal readers (emitted on workers, received in the GUI thread)."""

    rows = Signal(object, object, bool)  # list[TimelineRow], Counters | None, fresh


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
        self._closing_token = StopToken()  # set on close: blocking calls stop being waited on
        self._finished = False
        self._close_started = 0.0
        self._workers: list[Worker] = []
        unexpected = lambda exc: reporter.report("a background task", exc)  # noqa: E731
        self.control = TaskQueue("control", spawn, unexpected)
        self.io = TaskQueue("io", spawn, unexpected)
        self.probe = TaskQueue("probe", spawn, unexpected)
        self._signals = _Rows()
        self._signals.rows.connect(window.timeline.show_rows)
        self.feed = TimelineFeed(engine.data_dir.journal, self._signals.rows.emit)
        self.thumbs = ThumbnailLoader(engine.data_dir.journal)
        self.thumbs.serve(window.timeline.model)
        sink.add(lambda _event: self.feed.poke())
        window.timeline.filter_changed.connect(self.feed.set_group)
        sink.add(log_event)
        self.events = EventPresenter(window, self._poll_source, self._set_answer_mode)
        bridge.happened.connect(self.events.show)
        reporter.crashed.connect(
            lambda where, msg, trace: show_crash(window.banners, where, msg, trace)
        )
        self._detail_reader: TimelineReader | None = None
        self.last_dialog: QMessageBox | None = None
        self._detail_token = 0
        self._startup: Startup | None = None  # until the webhook and secret are under way
        self._save_timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self._save)
        self._status_timer = QTimer(self, interval=STATUS_POLL_MS)
        self._status_timer.timeout.connect(self._poll_source)
        self._wire(window)

    def _wire(self, w: MainWindow) -> None:
        w.start_requested.connect(self.start)
        w.stop_requested.connect(self.stop)
        w.close_requested.connect(self.close)
        w.picker.chosen.connect(self.choose_source)
        w.picker.refresh_requested.connect(self.find_cameras)
        w.form.edited.connect(self._save_timer.start)
        w.form.storage.test_requested.connect(self.test_storage)
        w.form.webhook.mode_changed.connect(self._set_answer_mode)
        w.form.webhook.public_url_changed.connect(self._set_public_url)
        w.timeline.selected.connect(self.show_detail)

    # -- start-up ------------------------------------------------------------------------------

    def startup(self, startup: Startup) -> None:
        w = self.window
        settings = startup.settings
        w.form.set_settings(settings)
        w.data_status.setText(f"Data: {self.engine.data_dir.root}")
        if startup.warnings:
            w.banners.put(
                "settings",
                Kind.WARNING,
                "Some saved settings were invalid and were reset to their defaults.",
                hint="; ".join(startup.warnings),
            )
        for name, runnable in (("timeline", self.feed), ("thumbnails", self.thumbs)):
            worker = self.spawn(name, runnable)
            worker.start()
            self._workers.append(worker)
        self.preview_feed = PreviewFeed(w.preview, self.engine.slot, self.spawn)
        self._workers.append(self.preview_feed.worker)
        self._status_timer.start()
        self._open_first_source(settings.capture.source)  # first: the preview waits on it
        self.find_cameras()
        # The webhook and the secret key (aiohttp, the keyring: 0.3 to 0.5 s of imports and
        # probing) wait for the first frame, or AFTER_FIRST_FRAME_MS without one, so they do not
        # compete with the source and the preview for the interpreter (docs/benchmarks.md).
        self._startup = startup
        w.preview.first_frame_painted.connect(self._start_the_rest)
        QTimer.singleShot(AFTER_FIRST_FRAME_MS, self, self._start_the_rest)

    def _start_the_rest(self) -> None:
        """Once: start the embedded webhook and load the secret key (both on `control`)."""
        startup = self._startup
        if startup is None or self._closing:
            return
        self._startup = None
        w, settings = self.window, startup.settings
        cb = settings.callback
        self.control.submit(
            lambda: self.engine.start_webhook(
                cb.webhook_host, cb.webhook_port, public_url=cb.public_url
            ),
            # the answer mode chosen meanwhile, if any (the tab may change before it listens)
            on_done=lambda _server: self._set_answer_mode(w.form.webhook.answer_mode()),
            on_error=lambda exc: problem_banner(w.banners, "webhook", exc, "Embedded webhook"),
        )
        self.control.submit(
            lambda: self._secret_for(settings),
            on_done=lambda secret: self._secret_loaded(secret, startup.autostart),
        )

    def _secret_for(self, settings: Settings) -> tuple[str, str, bool]:
        """On `control`: the secret key, and where secrets are kept (the keyring is found
        here, not at start-up)."""
        secrets = self.store.secrets
        where, persistent = secrets.where, secrets.persistent
        if settings.storage.secret_key:
            return settings.storage.secret_key.reveal(), where, persistent
        return self.store.with_secret(settings).storage.secret_key.reveal(), where, persistent

    def _secret_loaded(self, loaded: tuple[str, str, bool], autostart: bool) -> None:
        secret, where, persistent = loaded
        self.window.form.storage.set_secret_note(where, persistent)
        self.window.form.storage.set_secret(secret)
        if autostart:
            self.start()

    def _open_first_source(self, spec: str) -> None:
        """The saved or given source; 'auto' is camera 0, else the test pattern (said so). A
        source that is no longer there (a moved file) falls back to the test pattern too."""

        def open_it() -> tuple[str, str]:
            try:
                source: FrameSource = open_auto() if spec == "auto" else make_source(spec)
            except ShotHookError as exc:
                source = SyntheticSource()
                source.open()
                why = f"{describe(exc)}: showing the test pattern instead."
            else:
                why = "No camera found on this machine: showing the test pattern."
                why = why if spec == "auto" and isinstance(source, SyntheticSource) else ""
            self.engine.use_source(source, already_open=spec == "auto" or bool(why))
            return _spec_of(source, spec), why

        def opened(result: tuple[str, str]) -> None:
            shown, why = result
            self.window.picker.set_current(shown)
            if why:
                self.window.banners.put(
                    "no-camera",
                    Kind.INFO,
                    why,
                    hint="Pick a video file or a stream URL in Source, or plug in a camera and "
                    "press refresh.",
                )

        self.control.submit(open_it, opened, self._source_failed)

    def find_cameras(self) -> None:
        self.probe.submit(list_cameras, self.window.picker.set_cameras)

    # -- sources -------------------------------------------------------------------------------

    def choose_source(self, spec: str) -> None:
        self.window.form.capture.set_source(spec)
        self.window.banners.remove("source")
        self.window.banners.remove("no-camera")
        self._save_timer.start()

        def switch() -> None:
            self.engine.use_source(make_source(spec))

        self.control.submit(switch, on_error=self._picked_source_failed)

    def _picked_source_failed(self, exc: BaseException) -> None:
        """The user just picked it: say so at once, in a dialog, and keep it in a banner."""
        self._source_failed(exc)
        self.last_dialog = error_dialog(self.window, "Cannot use this source", exc)

    def _source_failed(self, exc: BaseException) -> None:
        problem_banner(self.window.banners, "source", exc, "Cannot use this source")

    def _poll_source(self) -> None:
        state, reason = self.engine.source_state()
        self.window.preview.set_status(
            state, reason, self.engine.slot.fps(), self.engine.source_label
        )

    # -- capture sessions ----------------------------------------------------------------------

    def start(self) -> None:
        w = self.window
        settings = w.form.settings()
        if w.form.problems() or w.state is not RunState.IDLE or self._closing:
            return
        w.banners.remove("start")
        self._start_the_rest()  # the webhook before the session, if no frame came yet
        w.set_state(RunState.STARTING)
        self._save()
        self.control.submit(
            lambda: self._start_session(settings),
            on_done=lambda session: self._started(settings),
            on_error=self._start_failed,
        )

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
            return self.engine.check_storage(settings.storage, self._closing_token)

        self.probe.submit(
            check,
            on_done=lambda result: panel.show_check(result[0], result[1]),
            on_error=panel.show_check_error,
        )

    def _set_answer_mode(self, mode: object) -> None:
        webhook = self.engine.webhook
        if webhook is not None:
            webhook.set_mode(mode)  # type: ignore[arg-type]
            self.window.webhook_status.setText(
                f"Webhook: {webhook.url} · {webhook.mode.describe()}"
            )

    def _set_public_url(self, url: str) -> None:
        if self.engine.webhook is not None and not self.window.form.webhook.values()[1]:
            self.engine.webhook.set_public_url(url)

    def _save(self) -> None:
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
            if self._detail_reader is None:
                self._detail_reader = TimelineReader(self.engine.data_dir.journal)
            detail = self._detail_reader.detail(row)
            image = QImage(detail.image_path) if detail.image_path else QImage()
            if image.width() > DETAIL_IMAGE.width() or image.height() > DETAIL_IMAGE.height():
                # Scaled here, on `io`: from a 1080p shot the pane's own scaling took 6 to 14 ms
                # of the GUI thread, once a shot while the timeline follows the newest row.
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

    # -- closing -------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop everything cooperatively, then close the window (emits `closed`)."""
        if self._closing:
            return
        self._closing = True
        self._closing_token.set()
        self._close_started = time.monotonic()
        self.window.set_state(RunState.CLOSING)
        self._status_timer.stop()
        if self._save_timer.isActive():
            self._save_timer.stop()
            self._save()
        for worker in self._workers:
            worker.request_stop()
        self.control.submit(
            lambda: self.engine.close(ENGINE_CLOSE_TIMEOUT_S),
            on_done=self._finish,
            on_error=self._close_failed,
        )
        QTimer.singleShot(CLOSE_DEADLINE_MS, lambda: self._finish(["engine (timed out)"]))

    def _close_failed(self, exc: BaseException) -> None:
        self.reporter.report("closing", exc)
        self._finish(["engine"])

    def _finish(self, stuck: list[str]) -> None:
        if self._finished:
            return
        self._finished = True
        queues = (self.control, self.io, self.probe)
        for queue in queues:
            queue.stop()
        for worker in self._workers:
            worker.join(JOIN_TIMEOUT_S)
        for queue in queues:
            queue.join(JOIN_TIMEOUT_S)
        if self._detail_reader is not None:
            self._detail_reader.close()
        leftover = sorted(set(stuck) | set(running_workers()))
        if leftover:
            _log.warning("still running at exit: %s", ", ".join(leftover))
        _log.info("closed in %.1f s", time.monotonic() - self._close_started)
        self.window.allow_close()
        self.window.close()
        self.closed.emit(leftover)


def _spec_of(source: FrameSource, asked: str) -> str:
    """The picker's entry for an opened source."""
    if isinstance(source, SyntheticSource):
        return PATTERN
    if isinstance(source, CameraSource):
        return str(source.index)
    return asked
