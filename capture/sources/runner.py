"""The loop that keeps a source flowing into a FrameSlot, reconnecting with backoff when lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from capture.errors import SourceError, describe
from capture.events import EventSink, SourceStateChanged, discard
from capture.runtime import StopToken
from capture.sources import FrameSource
from capture.sources.frames import Frame, FrameSlot

STALE_AFTER_S = 2.0  # live but no new frame for this long: "stale"
LOST_AFTER_S = 5.0  # no new frame for this long counts as lost (a frozen source)
FROZEN_READ_S = 1.0  # a failed read that took this long timed out (rather than ended)
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 10.0


class SourceState(StrEnum):
    NO_SOURCE = "no source"
    OPENING = "opening"
    LIVE = "live"
    STALE = "stale"
    RECONNECTING = "reconnecting"


@runtime_checkable
class Interruptible(Protocol):
    """A source whose `read()` may wait on purpose (a file's pacing) and can be told to stop."""

    def interrupt(self) -> None: ...


def _frozen(silent: float) -> str:
    return f"no new frame for {silent:.1f} s (frozen, or the network is down)"


class Watchdog:
    """Declares a live source lost when no frame arrived for `after` seconds, from a thread of
    its own: the reader may be stuck inside `read()` (FFmpeg waiting on a connection a frozen
    camera keeps open) and the state must say so all the same, within `after` seconds.

    `on_lost` runs on the watchdog's thread while it holds its lock, so a frame that arrives
    at that moment waits and is then refused by `pet()`: the source is never declared lost
    while frames are still being published."""

    def __init__(self, after: float, on_lost: Callable[[float], object], name: str) -> None:
        self._after = after
        self._on_lost = on_lost
        self._cond = threading.Condition()
        self._alive_at: float | None = None  # the last sign of life; None while not watching
        self._fired = False
        self._closed = False
        self._thread = threading.Thread(target=self._watch, name=name, daemon=True)
        self._thread.start()

    def arm(self) -> None:
        """Watch from now on (the source was just opened)."""
        with self._cond:
            self._alive_at, self._fired = time.monotonic(), False
            self._cond.notify_all()

    def pet(self) -> bool:
        """A frame arrived. False if the source was declared lost already: that frame is the
        last the stream sent before freezing, or one the decoder still held, not a live one."""
        with self._cond:
            if self._fired:
                return False
            self._alive_at = time.monotonic()  # the watcher finds the later deadline on waking
            return True

    def disarm(self) -> bool:
        """Stop watching (the source is being closed); True if it was declared lost."""
        with self._cond:
            fired = self._fired
            self._alive_at, self._fired = None, False
            self._cond.notify_all()
        return fired

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join()

    def _watch(self) -> None:
        with self._cond:
            while not self._closed:
                if self._alive_at is None or self._fired:
                    self._cond.wait()
                    continue
                silent = time.monotonic() - self._alive_at
                if silent < self._after:
                    self._cond.wait(self._after - silent)
                    continue
                self._fired = True
                self._on_lost(silent)


class SourceRunner:
    """Runnable: open, read, publish; on loss close and reopen with exponential backoff.

    A live source (camera, stream, pattern) is watched by a `Watchdog`: no frame for
    LOST_AFTER_S and it is "reconnecting" even while a read is still blocked; the read's
    result, when it comes, is dropped and the source reopened. A file plays by its own clock,
    so a frame it holds for seconds (a timelapse) is its pace, not a stall: it is never
    "stale", and a stop cuts its wait short."""

    def __init__(
        self,
        source: FrameSource,
        slot: FrameSlot,
        sink: EventSink = discard,
        *,
        already_open: bool = False,
    ) -> None:
        self.source = source
        self.slot = slot
        self._sink = sink
        self._open = already_open
        self._lock = threading.Lock()
        self._state = SourceState.OPENING
        self._reason = ""
        self._index = 0

    def state(self) -> tuple[SourceState, str]:
        """The current state and why (empty when live); 'stale' is read off the newest frame."""
        with self._lock:
            state, reason = self._state, self._reason
        if state is SourceState.LIVE and self.source.live:
            frame = self.slot.latest()
            if frame is None or frame.age() > STALE_AFTER_S:
                return SourceState.STALE, f"no new frame for over {STALE_AFTER_S:.0f} s"
        return state, reason

    def run(self, stop: StopToken) -> None:
        watchdog = (
            Watchdog(LOST_AFTER_S, self._declare_lost, "source-watchdog")
            if self.source.live
            else None
        )
        source = self.source
        forget = stop.on_set(source.interrupt) if isinstance(source, Interruptible) else None
        try:
            self._loop(stop, watchdog)
        finally:
            if forget is not None:
                forget()
            if watchdog is not None:
                watchdog.close()
        self._set(SourceState.NO_SOURCE, "stopped by the user")

    def _loop(self, stop: StopToken, watchdog: Watchdog | None) -> None:
        backoff = BACKOFF_FIRST_S
        attempt = 0
        while not stop.is_set():
            if not self._open:
                attempt += 1
                try:
                    self.source.open()
                except SourceError as exc:
                    self._set(
                        SourceState.RECONNECTING, describe(exc), attempt=attempt, retry_in=backoff
                    )
                    if stop.wait(backoff):
                        break
                    backoff = min(backoff * 2, BACKOFF_MAX_S)
                    continue
                self._open = True
            self._set(SourceState.LIVE, "")
            if watchdog is not None:
                watchdog.arm()
            backoff, attempt = BACKOFF_FIRST_S, 0
            reason = self._pump(stop, watchdog)
            declared = watchdog.disarm() if watchdog is not None else False
            self.source.close()
            self._open = False
            if reason and not declared:
                self._set(SourceState.RECONNECTING, reason, attempt=1, retry_in=0.0)
        if self._open:
            self.source.close()
            self._open = False

    def _pump(self, stop: StopToken, watchdog: Watchdog | None) -> str:
        """Read until stopped (returns '') or the source is lost (returns why)."""
        while not stop.is_set():
            started = time.monotonic()
            image = self.source.read()
            now = time.monotonic()
            waited = now - started
            if stop.is_set():
                return ""
            if image is None:
                if waited >= FROZEN_READ_S:
                    return _frozen(waited)
                return "the source stopped sending (unplugged, or the stream ended)"
            if watchdog is not None and (waited >= LOST_AFTER_S or not watchdog.pet()):
                return _frozen(waited)
            self.slot.publish(Frame(image, self._index, now, datetime.now(UTC)))
            self._index += 1
        return ""

    def _declare_lost(self, silent: float) -> None:
        self._set(SourceState.RECONNECTING, _frozen(silent), attempt=1, retry_in=0.0)

    def _set(
        self,
        state: SourceState,
        reason: str,
        *,
        attempt: int | None = None,
        retry_in: float | None = None,
    ) -> None:
        """Record the state; report it when it changed, and every reconnect attempt (one
        with `attempt` and `retry_in`)."""
        with self._lock:
            changed = (state, reason) != (self._state, self._reason) or attempt is not None
            self._state, self._reason = state, reason
        if changed:
            self._sink(
                SourceStateChanged(
                    state=state.value,
                    source=self.source.label,
                    reason=reason,
                    attempt=attempt,
                    retry_in=retry_in,
                )
            )
