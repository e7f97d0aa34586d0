"""The engine's front door: the parts that outlive a capture session, and sessions themselves.

An Engine owns the journal, the spool, the frame slot with the loop that feeds it, and the
embedded webhook. The window and the headless runner drive it the same way; they differ only
in the `spawn` function that hosts background loops (QThreads or plain threads) and in what
they do with events.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from capture.errors import ShotHookError
from capture.events import EventSink, utc_now
from capture.journal.records import PruneCounts
from capture.journal.writer import Journal, Pruned
from capture.logs import get_logger
from capture.paths import DataDir, DataDirLock
from capture.receiver.answers import AnswerMode
from capture.runtime import Spawn, StopToken, Worker, spawn_thread
from capture.settings.model import Settings, StorageSettings
from capture.settings.table import KEEP_DAYS
from capture.sources import FrameSource
from capture.sources.frames import FrameSlot
from capture.sources.runner import SourceRunner, SourceState
from capture.storage import make_storage
from capture.storage.base import CheckStep
from capture.storage.spool import DEFAULT_CAP_BYTES, DEFAULT_KEEP_UPLOADED_BYTES, Spool

if TYPE_CHECKING:  # loaded when first used: the server and sessions bring aiohttp (start-up)
    from capture.delivery.resend import Outcome
    from capture.receiver.webhook import WebhookServer
    from capture.shooting.session import Session

_log = get_logger(__name__)
_T = TypeVar("_T")
SOURCE_STOP_TIMEOUT_S = 7.0  # a blocked network read gives up after 5 s
MIN_FREE_BYTES = 1024 * 1024  # below this the data folder's disk is full: a shot is 50-500 KB


class DataDirFull(ShotHookError):
    """The data folder's disk is full: nothing could be spooled or journaled. Headless mode
    exits 2 on it (configuration: another folder, or free space); the window shows it."""


def _check_room(folder: Path) -> None:
    """Refuse to start on a full disk rather than fail later, one write at a time."""
    free = shutil.disk_usage(folder).free
    if free < MIN_FREE_BYTES:
        raise DataDirFull(
            f"the data folder {folder} is on a full disk ({free // 1024} KiB free, at least"
            f" {MIN_FREE_BYTES // 1024} KiB needed)",
            advice="Free space on that disk, or choose another data folder (--data-dir).",
            window_advice="Free space on that disk, then start again.",
        )


class Engine:
    def __init__(
        self,
        data_dir: DataDir,
        sink: EventSink,
        spawn: Spawn = spawn_thread,
        *,
        spool_cap_bytes: int = DEFAULT_CAP_BYTES,
        spool_keep_bytes: int = DEFAULT_KEEP_UPLOADED_BYTES,
        keep_days: int = int(KEEP_DAYS.default or 0),
    ) -> None:
        self.data_dir = data_dir.create()
        self.sink = sink
        self.spawn = spawn
        self.keep_days = keep_days
        _check_room(data_dir.root)
        self._lock = DataDirLock(data_dir)
        try:
            self._lock.acquire()
            self.journal = Journal(data_dir.journal)
            self.slot = FrameSlot()
            self.spool = Spool(
                data_dir.spool,
                cap_bytes=spool_cap_bytes,
                keep_uploaded_bytes=spool_keep_bytes,
                pending_bytes=self.journal.pending_spool_bytes(),
            )
            unknown = self.spool.clean_up(self.journal.spool_paths())
            if unknown:
                _log.warning(
                    "%d images in the spool %s are named by no journal row (a journal moved"
                    " aside or restored from elsewhere?): kept, not uploaded",
                    len(unknown),
                    data_dir.spool,
                )
            self.forget_old_sessions()
            self.trim_kept_images()  # a killed run, or a smaller bound, may have left too many
        except (OSError, sqlite3.Error):
            self._lock.release()
            _check_room(data_dir.root)  # the disk filled up meanwhile: say that, not a trace
            raise
        except BaseException:
            self._lock.release()
            raise
        self.source: SourceRunner | None = None
        self.webhook: WebhookServer | None = None
        self.session: Session | None = None
        self._source_worker: Worker | None = None
        self._webhook_worker: Worker | None = None

    # -- the video source -------------------------------------------------------------------

    def use_source(self, source: FrameSource, *, already_open: bool = False) -> SourceRunner:
        """Switch to `source` (stopping the previous one); frames flow into `self.slot`."""
        self._stop_source()
        self.slot.clear()
        self.source = SourceRunner(source, self.slot, self.sink, already_open=already_open)
        self._source_worker = self.spawn("source", self.source)
        self._source_worker.start()
        return self.source

    def source_state(self) -> tuple[SourceState, str]:
        if self.source is None:
            return SourceState.NO_SOURCE, "no source chosen"
        return self.source.state()

    @property
    def source_label(self) -> str:
        return self.source.source.label if self.source else "no source"

    def _stop_source(self) -> list[str]:
        worker, self._source_worker = self._source_worker, None
        if worker is None:
            return []
        worker.request_stop()
        return [] if worker.join(SOURCE_STOP_TIMEOUT_S) else [worker.name]

    # -- the embedded webhook -----------------------------------------------------------------

    def start_webhook(
        self,
        host: str = "127.0.0.1",
        port: int = 8787,
        *,
        public_url: str = "",
        mode: AnswerMode | None = None,
        timeout: float = 5.0,
        forward_to: str = "",
        relay_answer: bool = False,
    ) -> WebhookServer:
        """Start listening; returns once bound. Raises ShotHookError if it cannot listen."""
        from capture.receiver.webhook import WebhookServer

        if self.webhook is not None:
            raise ShotHookError("the webhook is already running")
        server = WebhookServer(
            self.journal,
            self.sink,
            host=host,
            port=port,
            public_url=public_url,
            mode=mode,
            forward_to=forward_to,
            relay_answer=relay_answer,
        )
        worker = self.spawn("webhook", server)
        worker.start()
        if not server.ready.wait(timeout) or not server.port:
            worker.request_stop()
            worker.join(timeout)
            raise ShotHookError(server.error or f"webhook did not start within {timeout:g} s")
        self.webhook, self._webhook_worker = server, worker
        return server

    def stop_webhook(self, timeout: float = 5.0) -> list[str]:
        worker, self._webhook_worker, self.webhook = self._webhook_worker, None, None
        if worker is None:
            return []
        worker.request_stop()
        return [] if worker.join(timeout) else [worker.name]

    def callback_url(self, settings: Settings) -> str:
        """The configured callback URL, or the embedded webhook's when none is set."""
        if settings.callback.url:
            return settings.callback.url
        if self.webhook is None:
            raise ShotHookError(
                "no callback URL is set and the embedded webhook is not running",
                advice="Set a callback URL or start the embedded webhook.",
            )
        return self.webhook.url

    # -- resending ----------------------------------------------------------------------------

    def resend(
        self,
        request_id: str,
        *,
        to: str = "",
        new_request_id: bool = False,
        body: str | None = None,
        recompute: bool = True,
        stop: StopToken | None = None,
    ) -> Outcome:
        """Send a journaled notification again (capture/delivery/resend.py), blocking this
        thread until it ends; ConfigError for a requestId or edited body it cannot send."""
        from capture.delivery.resend import ResendRequest, resend

        request = ResendRequest(
            request_id, to=to, new_request_id=new_request_id, body=body, recompute=recompute
        )
        return resend(self.journal, request, self.sink, stop)

    # -- capture sessions ---------------------------------------------------------------------

    def start_session(
        self,
        settings: Settings,
        *,
        count: int | None = None,
        upload_workers: int | None = None,
    ) -> Session:
        """Validate, then start capturing. Raises ConfigError/ShotHookError (DataDirFull on a
        full disk) before anything runs.
        `upload_workers`: the session's default (DEFAULT_UPLOAD_WORKERS) when None."""
        from capture.shooting.session import DEFAULT_UPLOAD_WORKERS, Session

        if self.session is not None:
            raise ShotHookError("a capture session is already running")
        settings.validated()
        _check_room(self.data_dir.root)  # the window may have been open while the disk filled
        pruned = self.forget_old_sessions()
        if pruned is not None and pruned.spool_files:
            self.trim_kept_images()  # retention deleted kept images: the spool counts again
        workers = DEFAULT_UPLOAD_WORKERS if upload_workers is None else upload_workers
        storage = make_storage(settings.storage, self.data_dir.storage, pool=workers * 2)
        session = Session(
            settings,
            callback_url=self.callback_url(settings),
            journal=self.journal,
            slot=self.slot,
            source_label=self.source_label,
            source_state=self.source_state,
            storage=storage,
            spool=self.spool,
            sink=self.sink,
            spawn=self.spawn,
            count=count,
            upload_workers=workers,
        )
        session.start()
        self.session = session
        return session

    def forget_old_sessions(self) -> Pruned | None:
        """Retention: sessions that ended more than `keep_days` ago leave the journal, with
        their kept images (at start and at each session's start, so a window open for weeks
        stays bounded too). Shots still waiting are never forgotten."""
        if not self.keep_days:
            return None
        pruned = self.journal.prune(utc_now() - timedelta(days=self.keep_days))
        for path in pruned.spool_files:
            Path(path).unlink(missing_ok=True)
        if pruned.sessions or pruned.callbacks:
            _log.info(
                "retention (%d days): forgot %d sessions, %d shots, %d callbacks, %d kept images",
                self.keep_days,
                pruned.sessions,
                pruned.shots,
                pruned.callbacks,
                len(pruned.spool_files),
            )
        return pruned

    def history_counts(self) -> PruneCounts:
        """What `clear_history` would take and leave, for the window to say before it does."""
        return self.journal.prune_counts(utc_now())

    def clear_history(self) -> Pruned:
        """Forget every finished session with its rows and kept images, and the callbacks that
        matched no shot; a session with a shot still waiting to upload or notify stays whole,
        and so does the running one. The kept images are counted again when no session runs
        (a running one's uploaders keep that count; its stop recounts)."""
        pruned = self.journal.prune(utc_now())
        for path in pruned.spool_files:
            Path(path).unlink(missing_ok=True)
        if self.session is None and pruned.spool_files:
            self.trim_kept_images()
        _log.info(
            "history cleared: %d sessions, %d shots, %d callbacks, %d kept images",
            pruned.sessions,
            pruned.shots,
            pruned.callbacks,
            len(pruned.spool_files),
        )
        return pruned

    def check_storage(
        self, settings: StorageSettings, stop: StopToken
    ) -> tuple[str, list[CheckStep]]:
        """Checks a storage configuration (not necessarily the session's) step by step: its label
        and the steps. Blocking, for a worker thread; once `stop` is set (the window closing), an
        endpoint that never answers is abandoned instead of waited on (boto3 retries for 30 s)."""
        from capture.delivery.abandonable import Helper

        storage = make_storage(settings, self.data_dir.storage)
        helper = Helper("storage-check")
        try:
            return storage.label, helper.call(storage.check, stop, "the storage check")
        finally:
            helper.close()
            storage.close()

    def abandonable(self, fn: Callable[[], _T], stop: StopToken, what: str) -> _T:
        """`fn()` (storage I/O that may block where no token reaches, such as a window's
        reconciliation) on a helper thread; once `stop` is set it is abandoned, not waited on."""
        from capture.delivery.abandonable import Helper

        helper = Helper(what.replace(" ", "-"))
        try:
            return helper.call(fn, stop, what)
        finally:
            helper.close()

    def stop_session(self, timeout: float = 10.0) -> list[str]:
        session, self.session = self.session, None
        if session is None:
            return []
        stuck = session.stop(timeout)
        self.trim_kept_images()
        return stuck

    def trim_kept_images(self) -> None:
        """The spool's kept images counted from the journal, the oldest beyond the bound
        deleted and forgotten (one query: while a session runs, the uploaders keep the count
        and the bound as each shot is stored)."""
        for shot_id in self.spool.count_kept(self.journal.uploaded_spool_files()):
            self.journal.forget_spool(shot_id)

    def close(self, timeout: float = 10.0) -> list[str]:
        """Stop everything cooperatively; returns the names of loops that did not end in time."""
        stuck = self.stop_session(timeout)
        stuck += self._stop_source()
        stuck += self.stop_webhook(timeout)
        if not stuck:
            self.journal.close()
            self._lock.release()
        return stuck
