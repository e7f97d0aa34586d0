"""The loop that keeps a source flowing into a FrameSlot, reconnecting with backoff when lost."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from enum import StrEnum

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


class SourceRunner:
    """Runnable: open, read, publish; on loss close and reopen with exponential backoff."""

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
        if state is SourceState.LIVE:
            frame = self.slot.latest()
            if frame is None or frame.age() > STALE_AFTER_S:
                return SourceState.STALE, f"no new frame for over {STALE_AFTER_S:.0f} s"
        return state, reason

    def run(self, stop: StopToken) -> None:
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
            backoff, attempt = BACKOFF_FIRST_S, 0
            reason = self._pump(stop)
            self.source.close()
            self._open = False
            if reason:
                self._set(SourceState.RECONNECTING, reason, attempt=1, retry_in=0.0)
        if self._open:
            self.source.close()
            self._open = False
        self._set(SourceState.NO_SOURCE, "stopped by the user")

    def _pump(self, stop: StopToken) -> str:
        """Read until stopped (returns '') or the source is lost (returns why)."""
        while not stop.is_set():
            started = time.monotonic()
            image = self.source.read()
            if image is None:
                waited = time.monotonic() - started
                if waited >= FROZEN_READ_S:
                    return f"no new frame for {waited:.1f} s (frozen, or the network is down)"
                return "the source stopped sending (unplugged, or the stream ended)"
            now = time.monotonic()
            self.slot.publish(Frame(image, self._index, now, datetime.now(UTC)))
            self._index += 1
        return ""

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
