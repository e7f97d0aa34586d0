"""One shot's latency split into its stages (capture, store, notify: from the frame's capture
to the first callback) from the times the journal holds for it (`ShotTimes`).

Shared by the window's live plot (gui/plot.py) and the session report's plots, so both draw
the same facts with the same arithmetic. Qt-free.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from capture.journal.reader import ShotTimes
from capture.spec.naming import parse_iso, parse_utc_digits

__all__ = ["Point", "point"]


@dataclass(frozen=True, slots=True)
class Point:
    """One shot on a plot; a stage not reached yet (or unknown) is NaN."""

    shot_id: int
    capture_ms: float  # the frame's capture to the upload's start: encode, spool, queue
    store_ms: float  # the upload
    notify_ms: float  # the upload's end to the first callback received
    late_ms: float  # after the tick's slot
    upload_tries: int
    attempts: int

    @property
    def total_ms(self) -> float:
        """Capture to callback (NaN when no callback came)."""
        return self.capture_ms + self.store_ms + self.notify_ms


def point(times: ShotTimes) -> Point:
    """The stage lengths of one shot from the times journaled for it. The stages add up to
    capture -> callback exactly: the upload started upload_ms before it ended."""
    nan = math.nan
    captured = _moment(parse_utc_digits, times.captured_utc)
    uploaded = _moment(parse_iso, times.uploaded_at)
    received = _moment(parse_iso, times.received_at)
    capture = store = notify = nan
    if captured and uploaded and times.upload_ms is not None:
        store = times.upload_ms
        # Times are journaled to the millisecond: clamp the rounding's -1 ms to 0.
        capture = max(0.0, _ms(uploaded - captured) - store)
        if received:
            notify = max(0.0, _ms(received - uploaded))
    return Point(
        shot_id=times.id,
        capture_ms=capture,
        store_ms=store,
        notify_ms=notify,
        late_ms=nan if times.late_ms is None else times.late_ms,
        upload_tries=times.upload_tries,
        attempts=times.attempts,
    )


def _moment(parse: Callable[[str], datetime], text: str) -> datetime | None:
    """`text` parsed, or None when not journaled yet (or unreadable)."""
    try:
        return parse(text) if text else None
    except ValueError:
        return None


def _ms(span: timedelta) -> float:
    return span / timedelta(milliseconds=1)
