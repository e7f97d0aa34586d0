"""A capture session, start to stop: the scheduler, the spool, uploads and notifications.

    source -> FrameSlot -> (every interval) encode -> spool + journal -> UploadQueue
           -> Uploader(s) -> storage -> Notifier -> webhook

One session has one sid per simulated user (`users` publishers with consecutive uids sharing
the pipeline). Shots left open by earlier sessions (not uploaded, or not notified) are resumed
first, oldest first (`resume`). The session composes its counters (`progress`) and its ledger
of shots in flight (`ledger`) with the stages, and hands each shot from one stage to the next.

Two shots never share an object key. The spec makes the key's `<utc>` the capture instant,
the frame's arrival, so a shot needs a frame newer than its publisher's previous shot: an
interval whose newest frame was shot already (a camera slower than the interval, a stream that
stalled a second, a timelapse file between frames) is notified as 206 "no new frame since the
last shot". The users of one round share its frame; their uids and sids keep their keys apart.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from capture.delivery.notifier import Notifier, NotifyJob
from capture.delivery.uploads import Uploader, UploadItem, UploadQueue
from capture.errors import report_unexpected
from capture.events import (
    EventSink,
    SessionStarted,
    SessionStopped,
    ShotCaptured,
    SpoolWarning,
    ThumbnailReady,
    TickMissed,
    UploadFailed,
    WarningIssued,
)
from capture.journal.schema import journal_unwritable
from capture.journal.writer import Journal, NewShot, PendingNotification
from capture.runtime import Spawn, StopToken, Worker, stop_all
from capture.settings.model import Settings
from capture.shooting.encoder import encode_jpeg, thumbnail_jpeg
from capture.shooting.ledger import Ledger, ShotMeta
from capture.shooting.progress import Progress
from capture.shooting.resume import Resumed, Reupload, report_abandoned, unfinished_work
from capture.shooting.scheduler import TickPlan
from capture.sources.frames import Frame, FrameSlot
from capture.sources.runner import SourceState
from capture.spec.naming import new_request_id, new_sid, object_key, utc_digits
from capture.spec.payload import CODE_COMPLETE, CODE_INCOMPLETE, MSG_COMPLETE, Notification
from capture.storage import Storage
from capture.storage.spool import Spool, SpoolFull, SpoolUnwritable

DEFAULT_UPLOAD_WORKERS = 4
NO_NEW_FRAME = "no new frame since the last shot"
DISK_ADVICE = "Free space on that disk, or choose another data folder."
THUMB_WAIT_S = 0.25  # a round's thumbnail waits at most this long for the session to settle


@dataclass(frozen=True)
class _FrameUsed:
    """The frame a publisher's newest key was made from: its arrival and its key instant."""

    mono: float
    utc: str


@dataclass(frozen=True)
class Publisher:
    """One simulated user: its uid and the sid of its capture session."""

    uid: int
    sid: str


class Session:
    """One capture session, start to stop; its upload workers report each shot's end to it
    (it is their `UploadOutcomes`)."""

    def __init__(
        self,
        settings: Settings,
        *,
        callback_url: str,
        journal: Journal,
        slot: FrameSlot,
        source_label: str,
        source_state: Callable[[], tuple[SourceState, str]],
        storage: Storage,
        spool: Spool,
        sink: EventSink,
        spawn: Spawn,
        count: int | None = None,
        upload_workers: int = DEFAULT_UPLOAD_WORKERS,
    ) -> None:
        self.settings = settings
        self.callback_url = callback_url
        self.count = count
        self.progress = Progress()
        self.publishers = [
            Publisher(settings.capture.uid + i, new_sid()) for i in range(settings.capture.users)
        ]
        self.session_id = 0
        self.uploads = UploadQueue()
        self._journal = journal
        self._slot = slot
        self._source_label = source_label
        self._source_state = source_state
        self._storage = storage
        self._spool = spool
        self._sink = sink
        self._spawn = spawn
        self._upload_workers = upload_workers
        self._workers: list[Worker] = []
        self._capture_worker: Worker | None = None
        self._notifier = Notifier(journal, sink, self._notified)
        self._stopped = False
        self._ledger = Ledger()
        self._thumbnail_due: tuple[list[int], Frame] | None = None  # shots taken, frame
        self._disk_lock = threading.Lock()
        self._disk_warned = False  # the data folder's disk refused a write since the last shot
        self._last_frame: dict[int, _FrameUsed] = {}  # uid -> the frame its last key came from

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> None:
        capture = self.settings.capture
        self.session_id = self._journal.start_session(
            source=self._source_label,
            storage=self._storage.label,
            callback_url=self.callback_url,
            settings=self.settings.to_public_dict(),
        )
        report_abandoned(self._journal, self.session_id, self._sink)
        resumed = self._resume(unfinished_work(self._journal.open_shots(), self._extra_info))
        self._workers.append(self._spawn("notify", self._notifier))
        for n in range(self._upload_workers):
            uploader = Uploader(
                self.uploads,
                self._storage,
                self._journal,
                self._spool,
                self._sink,
                self,
            )
            self._workers.append(self._spawn(f"upload-{n + 1}", uploader))
        self._capture_worker = self._spawn("shots", _CaptureLoop(self))
        self._workers.append(self._capture_worker)
        self._sink(
            SessionStarted(
                session_id=self.session_id,
                sids=tuple(p.sid for p in self.publishers),
                channel=capture.channel,
                uids=tuple(p.uid for p in self.publishers),
                interval=capture.interval,
                count=self.count,
                source=self._source_label,
                storage=self._storage.label,
                callback_url=self.callback_url,
                resumed=resumed,
            )
        )
        for worker in self._workers:
            worker.start()

    def stop_capture(self, timeout: float = 10.0) -> bool:
        """Take no more shots; uploads and notifications of those taken carry on (call `drain`
        next). True once the capture loop has ended."""
        worker = self._capture_worker
        if worker is None:
            return True
        worker.request_stop()
        return worker.join(timeout)

    def drain(self, timeout: float) -> bool:
        """Wait until every queued upload and notification is settled, uploads are paused by an
        error retrying cannot fix, or `timeout` passes. True if everything settled."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            remaining = deadline - time.monotonic()
            if self.progress.wait_for(lambda p: p.settled, min(remaining, 0.5)):
                return True
            if self.uploads.pause is not None:
                return False
        return self.progress.settled

    def stop(self, timeout: float = 10.0) -> list[str]:
        """Stop every worker cooperatively; returns the names of any that did not end in time."""
        if self._stopped:
            return []
        self._stopped = True
        stuck = stop_all(self._workers, timeout)
        try:
            self._journal.stop_session(self.session_id)
        except Exception as exc:
            if not journal_unwritable(exc):
                raise
            self._sink(
                WarningIssued(
                    message=f"the journal could not record this session's stop ({exc});"
                    " the next start reports it as not stopped cleanly",
                    session_id=self.session_id,
                )
            )
        self._storage.close()
        counts = self.progress.summary()
        self._sink(
            SessionStopped(
                session_id=self.session_id,
                shots=counts["shots"],
                missed=counts["missed"],
                uploaded=counts["uploaded"],
                notified=counts["notified"],
                notify_failed=counts["notify_failed"],
                pending_uploads=counts["pending_uploads"],
                pending_notifications=counts["pending_notifications"],
                stuck=tuple(stuck),
            )
        )
        return stuck

    @property
    def succeeded(self) -> bool:
        p = self.progress
        return p.missed == 0 and p.notify_failed == 0 and p.settled

    # -- capture ----------------------------------------------------------------------------

    def take(self, tick: int, due: float | None = None) -> None:
        """Take one round: a shot per publisher of a frame newer than its previous shot's,
        or a 206 saying why not.

        `due` is the tick's slot on the monotonic clock; shots report how late they were taken.
        The source runner judges a frame's freshness (a camera's or stream's is stale past
        STALE_AFTER_S; a file's stays current until its next is due, however far apart its
        frames are), and the key is built from the frame's instant: a frame already shot for
        a publisher would give a second shot its key, so that interval is a 206 instead.
        """
        late_ms = None if due is None else (time.monotonic() - due) * 1000
        frame = self._slot.latest()
        state, reason = self._source_state()
        if frame is None or state not in (SourceState.LIVE, SourceState.STALE):
            self.missed(tick, f"No screenshot: {self._no_frame(frame, state, reason)}")
            return
        fresh = [p for p in self.publishers if self._is_new(p, frame)]
        self._missed_some(
            [p for p in self.publishers if p not in fresh], tick, self._no_new_frame(frame)
        )
        if state is SourceState.STALE:
            self._missed_some(fresh, tick, f"No screenshot: {self._no_frame(frame, state, reason)}")
        elif fresh:
            self._shoot(tick, frame, fresh, late_ms)

    def _no_frame(self, frame: Frame | None, state: SourceState, reason: str) -> str:
        """Why the source has no frame to shoot: its newest frame's age and the source's state."""
        age = f"no frame for {frame.age():.1f} s" if frame is not None else "no frame yet"
        where = (
            "no video source"
            if state is SourceState.NO_SOURCE
            else f"{self._source_label} is {state.value}"
        )
        return f"{age}: {where}" + (f" ({reason})" if reason else "")

    def _no_new_frame(self, frame: Frame) -> str:
        return (
            f"No screenshot: {NO_NEW_FRAME} (the newest, from {self._source_label},"
            f" is {frame.age():.1f} s old)"
        )

    def _is_new(self, publisher: Publisher, frame: Frame) -> bool:
        """Whether `frame` can give `publisher` a key of its own: it arrived after the frame of
        the publisher's previous shot, and its instant differs to the millisecond (the key's
        resolution)."""
        last = self._last_frame.get(publisher.uid)
        return last is None or (frame.mono > last.mono and utc_digits(frame.wall) != last.utc)

    def _shoot(
        self,
        tick: int,
        frame: Frame,
        publishers: list[Publisher],
        late_ms: float | None = None,
    ) -> None:
        jpeg = encode_jpeg(frame.image, self.settings.capture.jpeg_quality)
        shot_ids: list[int] = []
        for publisher in publishers:
            # Recorded before the spool write: a refused shot's 206 carries this key too, and
            # no later shot of this publisher may repeat it.
            self._last_frame[publisher.uid] = _FrameUsed(frame.mono, utc_digits(frame.wall))
            shot_id = self._shoot_one(publisher, tick, frame, jpeg, late_ms)
            if shot_id is not None:
                shot_ids.append(shot_id)
        if shot_ids:
            self._thumbnail_due = (shot_ids, frame)

    def _shoot_one(
        self, publisher: Publisher, tick: int, frame: Frame, jpeg: bytes, late_ms: float | None
    ) -> int | None:
        """Spool, journal and queue one publisher's shot; its id, or None if it became a 206
        (the spool refused it) or could not be journaled."""
        key = self._key(publisher, frame.wall)
        try:
            path = self._spool.write(key, jpeg)
        except SpoolFull as exc:
            self._spool_warning(
                f"{exc}: new shots are refused (notified as 206) until uploads drain;"
                " fix the storage, or raise the spool cap"
            )
            self._missed_one(publisher, tick, frame.wall, f"No screenshot: {exc}")
            return None
        except SpoolUnwritable as exc:
            self._disk_trouble(_spool_refused(exc))
            self._missed_one(publisher, tick, frame.wall, f"No screenshot: {exc}")
            return None
        if warning := self._spool.nearly_full_warning():
            self._spool_warning(warning)
        try:
            shot_id = self._journal.add_shot(
                self._new_shot(publisher, tick, frame, key, jpeg, path, late_ms)
            )
        except Exception as exc:
            self._spool.discard(path, len(jpeg))  # no journal row: nothing would upload it
            self._journal_refused(exc)
            self.progress.update(missed=1)
            return None
        self._disk_ok()
        meta = ShotMeta(publisher.sid, publisher.uid, utc_digits(frame.wall), self._extra_info)
        self._ledger.remember(shot_id, meta)
        self.progress.update(shots=1, open_uploads=1)
        self._sink(
            ShotCaptured(
                shot_id=shot_id,
                object=key,
                uid=publisher.uid,
                tick=tick,
                bytes=len(jpeg),
                width=frame.width,
                height=frame.height,
                frame=frame.index,
                late_ms=None if late_ms is None else round(late_ms, 3),
            )
        )
        self.uploads.put(UploadItem(shot_id, key, str(path), len(jpeg)))
        return shot_id

    def _new_shot(
        self,
        publisher: Publisher,
        tick: int,
        frame: Frame,
        key: str,
        jpeg: bytes,
        path: Path,
        late_ms: float | None,
    ) -> NewShot:
        return NewShot(
            session_id=self.session_id,
            tick=tick,
            sid=publisher.sid,
            uid=publisher.uid,
            channel=self.settings.capture.channel,
            object_key=key,
            captured_utc=utc_digits(frame.wall),
            code=CODE_COMPLETE,
            msg=MSG_COMPLETE,
            width=frame.width,
            height=frame.height,
            size=len(jpeg),
            spool_path=str(path),
            late_ms=None if late_ms is None else round(late_ms, 3),
            md5=hashlib.md5(jpeg, usedforsecurity=False).hexdigest(),
        )

    # -- a full disk --------------------------------------------------------------------------
    # The spool and the journal share the data folder's disk. While it is full, the shots
    # thread carries on: one warning says so (again only after a shot got through), each
    # interval is a 206 if the journal can still record it, and only counted if it cannot.

    def _disk_trouble(self, message: str) -> None:
        """Warn once per outage: the first refusal says it all, the ones after it add nothing."""
        with self._disk_lock:
            first, self._disk_warned = not self._disk_warned, True
        if first:
            self._spool_warning(message)

    def _disk_ok(self) -> None:
        """A shot was spooled and journaled: the next refusal is a new outage, warned again."""
        with self._disk_lock:
            self._disk_warned = False

    def _journal_refused(self, exc: Exception) -> None:
        """A journal write failed: for want of disk, warn (once) and let the caller carry on;
        any other failure is a bug and goes on up."""
        if not journal_unwritable(exc):
            raise exc
        self._disk_trouble(
            f"disk full: the journal {self._journal.path} cannot be written ({exc}): until it"
            " can, each interval is only counted (neither journaled nor notified); capture"
            f" resumes by itself. {DISK_ADVICE}"
        )

    def make_thumbnail(self, before: float) -> None:
        """The timeline thumbnail of the round just taken, kept off the shots' way to their
        callbacks: made once the session has settled (its uploads and notifications done,
        usually a few ms) or after THUMB_WAIT_S, not waiting past `before` (monotonic, well
        before the next slot). Its journal row moves the shots' seq on, so the timeline shows
        it even after it has shown the shots. A failure costs the thumbnail, never a shot."""
        due, self._thumbnail_due = self._thumbnail_due, None
        if due is None:
            return
        wait = min(THUMB_WAIT_S, before - time.monotonic())
        if wait > 0:
            self.progress.wait_for(lambda p: p.settled, wait)
        shot_ids, frame = due
        try:
            self._journal.add_thumbnail(shot_ids, thumbnail_jpeg(frame.image))
        except Exception as exc:
            if journal_unwritable(exc):
                self._journal_refused(exc)
            else:
                report_unexpected(f"making the thumbnail of shot {shot_ids[0]}", exc)
            return
        # Readers of the journal (the window's timeline) read again on an event: say so now
        # rather than leave the thumbnail to their next poll.
        self._sink(ThumbnailReady(shot_ids=tuple(shot_ids)))

    def _spool_warning(self, message: str) -> None:
        pending, cap = self._spool.pending_bytes, self._spool.cap_bytes
        self._sink(SpoolWarning(message=message, pending_bytes=pending, cap_bytes=cap))

    def missed(self, tick: int, why: str) -> None:
        """An interval with no screenshot: journaled, and notified with code 206 and why."""
        self._missed_some(self.publishers, tick, why)

    def _missed_some(self, publishers: list[Publisher], tick: int, why: str) -> None:
        now = datetime.now(UTC)
        for publisher in publishers:
            self._missed_one(publisher, tick, now, why)

    def _missed_one(self, publisher: Publisher, tick: int, when: datetime, why: str) -> None:
        key = self._key(publisher, when)
        try:
            shot_id = self._journal.add_shot(
                NewShot(
                    session_id=self.session_id,
                    tick=tick,
                    sid=publisher.sid,
                    uid=publisher.uid,
                    channel=self.settings.capture.channel,
                    object_key=key,
                    captured_utc=utc_digits(when),
                    code=CODE_INCOMPLETE,
                    msg=why,
                )
            )
        except Exception as exc:
            # Not notified: every delivery attempt is journaled, and a notification nothing
            # records could never be resumed or shown. The warning and the counters say so.
            self._journal_refused(exc)
            self.progress.update(missed=1)
            return
        self.progress.update(missed=1, open_notifies=1)
        self._sink(
            TickMissed(shot_id=shot_id, tick=tick, uid=publisher.uid, object=key, reason=why)
        )
        meta = ShotMeta(publisher.sid, publisher.uid, utc_digits(when), self._extra_info)
        self._notify(shot_id, key, meta, CODE_INCOMPLETE, why)

    def _key(self, publisher: Publisher, when: datetime) -> str:
        prefix = self.settings.storage.prefix
        return object_key(prefix, publisher.sid, self.settings.capture.channel, publisher.uid, when)

    @property
    def _extra_info(self) -> str:
        return self.settings.capture.extra_info

    # -- hand-offs between stages -------------------------------------------------------------
    # The upload stage's outcomes (`UploadOutcomes`), called on the upload workers.

    def journal_stored(self, item: UploadItem, location: str, ms: float) -> None:
        """Journal the upload and its notification in one commit."""
        meta = self._ledger.meta(item.shot_id)
        job, pending = self._notification(
            item.shot_id, item.object_key, meta, CODE_COMPLETE, MSG_COMPLETE
        )
        self._journal.upload_succeeded(item.shot_id, location, ms, pending)
        self._ledger.journaled(item.shot_id, job)

    def upload_stored(self, item: UploadItem) -> None:
        """Send the stored shot's notification (journaled with the upload, if it was)."""
        meta, job = self._ledger.settle(item.shot_id)
        if job is None:  # its notification was not journaled with the upload: make it now
            self._notify(item.shot_id, item.object_key, meta, CODE_COMPLETE, MSG_COMPLETE)
        else:
            self._notifier.submit(job)
        # After the hand-off (waking the threads that wait on progress is not on the shot's
        # way), in one update, so `drain` never sees a moment with nothing open between the
        # upload and its notification. Should the delivery finish first, open_notifies dips
        # below 0 while this upload still counts as open: never settled too early.
        self.progress.update(uploaded=1, open_uploads=-1, open_notifies=1)

    def upload_lost(self, item: UploadItem, why: str) -> None:
        """A shot that can never be uploaded: journaled and notified as 206, saying why."""
        msg = f"Screenshot not uploaded: {why}"
        meta, _ = self._ledger.settle(item.shot_id)
        self._journal.upload_lost(item.shot_id, msg)
        self.progress.update(missed=1, open_uploads=-1, open_notifies=1)
        self._sink(
            UploadFailed(
                shot_id=item.shot_id,
                object=item.object_key,
                error=msg,
                advice="The spool folder must not be cleaned while shots wait in it.",
                code="SpoolFileLost",
                retryable=False,
                attempt=item.tries,
                retry_in_s=None,
                final=True,
            )
        )
        self._notify(item.shot_id, item.object_key, meta, CODE_INCOMPLETE, msg)

    def _notify(
        self,
        shot_id: int,
        key: str,
        meta: ShotMeta,
        code: int,
        msg: str,
        request_id: str | None = None,
    ) -> None:
        """Journal and send a notification; the caller has counted it in `open_notifies`."""
        job, pending = self._notification(shot_id, key, meta, code, msg, request_id)
        try:
            self._journal.notification_created(
                shot_id, pending.request_id, pending.payload_json, pending.callback_url
            )
        except Exception as exc:
            self._journal_refused(exc)
            # The shot's row says its notification is still to be made: the next start does.
            self.progress.update(open_notifies=-1)
            return
        self._notifier.submit(job)

    def _notification(
        self,
        shot_id: int,
        key: str,
        meta: ShotMeta,
        code: int,
        msg: str,
        request_id: str | None = None,
    ) -> tuple[NotifyJob, PendingNotification]:
        """A notification's job for the notifier and its journal record."""
        notification = Notification(
            request_id=request_id or new_request_id(meta.sid, datetime.now(UTC)),
            channel=self.settings.capture.channel,
            uid=meta.uid,
            object_key=key,
            utc=meta.utc,
            callback_data=meta.callback_data,
            code=code,
            msg=msg,
        )
        body = notification.encode(self.callback_url)
        request = notification.request_id
        job = NotifyJob(shot_id, request, key, code, self.callback_url, body)
        return job, PendingNotification(request, body.decode("utf-8"), self.callback_url)

    def _notified(self, _job: NotifyJob, delivered: bool) -> None:
        if delivered:
            self.progress.update(notified=1, open_notifies=-1)
        else:
            self.progress.update(notify_failed=1, open_notifies=-1)

    # -- resuming earlier work ----------------------------------------------------------------

    def _resume(self, work: list[Resumed]) -> int:
        """Queue what earlier sessions left unfinished (before any worker starts); returns
        how many shots."""
        for step in work:
            if isinstance(step, Reupload):
                self._ledger.remember(step.item.shot_id, step.meta)
                self.progress.update(open_uploads=1)
                self.uploads.put(step.item)
            else:
                self.progress.update(open_notifies=1)
                self._notify(
                    step.shot_id,
                    step.object_key,
                    step.meta,
                    step.code,
                    step.msg,
                    request_id=step.request_id,
                )
        return len(work)


def _spool_refused(exc: SpoolUnwritable) -> str:
    """The one warning of a spool that refuses shots."""
    fix = DISK_ADVICE if exc.disk_full else "Make it writable, or choose another data folder."
    return (
        f"{exc}: until a shot can be written, each interval is notified as 206 (or only"
        f" counted, if the journal on that disk cannot record it either); capture resumes by"
        f" itself. {fix}"
    )


class _CaptureLoop:
    """Runnable: waits for each slot of the TickPlan, then takes a round of shots."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def run(self, stop: StopToken) -> None:
        session = self._session
        interval = session.settings.capture.interval
        count = session.count
        plan = TickPlan(time.monotonic(), interval)
        rounds = 0
        try:
            while not stop.is_set() and (count is None or rounds < count):
                tick, skipped = plan.next_tick(time.monotonic())
                for index in skipped:
                    if count is not None and rounds >= count:
                        break
                    session.missed(
                        index, "No screenshot: the capture loop was late and skipped this interval"
                    )
                    rounds += 1
                if count is not None and rounds >= count:
                    break
                if stop.wait(max(0.0, tick.due - time.monotonic())):
                    break
                session.take(tick.index, tick.due)
                rounds += 1
                session.progress.update(rounds=1)
                session.make_thumbnail(before=tick.due + interval / 2)
        finally:
            session.progress.finish_capture()
