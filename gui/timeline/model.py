"""The timeline as a Qt model: one row per shot (and per foreign callback), newest on top,
fed incrementally with upserts; thumbnails loaded for the rows in view and cached within a
bound."""

from __future__ import annotations

import bisect
import re
from collections import OrderedDict
from collections.abc import Iterable
from datetime import date, datetime
from enum import IntEnum
from functools import cache
from typing import Any

from PySide6.QtCore import QRectF, QRegularExpression, QSize, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QIcon,
    QImage,
    QPainter,
    QPainterPath,
    QPixmap,
    QStandardItemModel,
)

from capture.journal.reader import Attempt, Callback, Resend, RowKind, TimelineRow
from capture.journal.states import NotifyState, Status, StatusGroup, UploadState
from capture.receiver.answers import ANSWERING, DROPPED, SENDER_GONE
from capture.spec.naming import iso, parse_iso
from gui.resources import STATUS_LABELS, Palette, colour, status_colour, status_icon

THUMB_SIZE = QSize(88, 50)  # also the view's icon size: a thumbnail is drawn at its size
STATUS_ICON = QSize(18, 18)
THUMB_CACHE = 200  # about 18 screens of rows; 17 KB each
MAX_ROWS = 2000  # the newest rows the window keeps; older ones stay in the journal
THUMB_RADIUS = 4
DISPLAY = int(Qt.ItemDataRole.DisplayRole)
DECORATION = int(Qt.ItemDataRole.DecorationRole)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
ACCESSIBLE_TEXT = int(Qt.ItemDataRole.AccessibleTextRole)
ACCESSIBLE_DESCRIPTION = int(Qt.ItemDataRole.AccessibleDescriptionRole)
# The status cell's "group<TAB>key requestId status", which the filter matches (see
# TimelineFilter): the group before the tab, the text a search looks in after it.
FILTER_ROLE = int(Qt.ItemDataRole.UserRole) + 1
CELL_LINES = 3  # a row holds this many lines of text: one per notification attempt


class Column(IntEnum):
    THUMB = 0
    STATUS = 1
    SHOT = 2  # capture time and size, the object key under it
    UPLOAD = 3
    NOTIFY = 4
    CALLBACK = 5


HEADERS = {
    Column.THUMB: "",
    Column.STATUS: "Status",
    Column.SHOT: "Captured · key",
    Column.UPLOAD: "Upload",
    Column.NOTIFY: "Attempts",
    Column.CALLBACK: "Callback",
}


def _sort_key(row: TimelineRow) -> tuple[float, int, int]:
    return (row.when.timestamp(), 0 if row.kind is RowKind.SHOT else 1, row.id)


def rounded(image: QImage) -> QPixmap:
    """`image` with rounded corners (transparent outside), drawn once here so that painting a
    row is a plain drawPixmap rather than a clip path per cell."""
    picture = QPixmap(image.size())
    picture.fill(colour(Palette.CLEAR))
    painter = QPainter(picture)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    path.addRoundedRect(QRectF(picture.rect()), THUMB_RADIUS, THUMB_RADIUS)
    painter.setClipPath(path)
    painter.drawImage(0, 0, image)
    painter.end()
    return picture


def as_icon(picture: QPixmap) -> QIcon:
    """`picture` as the cell's decoration: the same pixmap when the row is selected (a plain
    pixmap would be tinted with the selection colour by the style)."""
    icon = QIcon(picture)
    icon.addPixmap(picture, QIcon.Mode.Selected)
    return icon


class ThumbnailCache:
    """Most recently used thumbnails as pixmaps (and their icons), at most `limit` of them."""

    def __init__(self, limit: int = THUMB_CACHE) -> None:
        self.limit = limit
        self._items: OrderedDict[int, tuple[QPixmap, QIcon]] = OrderedDict()

    def get(self, shot_id: int) -> QPixmap | None:
        found = self._items.get(shot_id)
        if found is None:
            return None
        self._items.move_to_end(shot_id)
        return found[0]

    def icon(self, shot_id: int) -> QIcon | None:
        found = self._items.get(shot_id)
        return None if found is None else found[1]

    def put(self, shot_id: int, image: QImage) -> list[int]:
        """Keep `image` (scaled and rounded) for `shot_id`; returns the ids it pushed out."""
        picture = rounded(
            image.scaled(
                THUMB_SIZE,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        self._items[shot_id] = (picture, as_icon(picture))
        self._items.move_to_end(shot_id)
        evicted = []
        while len(self._items) > self.limit:
            evicted.append(self._items.popitem(last=False)[0])
        return evicted

    def __len__(self) -> int:
        return len(self._items)


class TimelineModel(QStandardItemModel):
    """The rows live in Qt's own item model, so that painting the table never calls into
    Python: a call into Python from the GUI thread must win the interpreter lock, and while
    an upload or the webhook runs Python, each such call can wait a whole switch interval
    (5 ms); a repaint used to make hundreds (docs/benchmarks.md, the preview's section).
    `apply` turns each journal row into the cells' values once; `_rows` keeps the rows
    themselves for the detail pane and the tooltips. It holds the newest `limit` rows: a
    cell costs about 300 bytes in Qt, so history beyond that stays in the journal (the
    counters still count it, and the panel says how many rows it left out)."""

    thumbnail_wanted = Signal(int)  # a shot's thumbnail, for the loader
    thumbnail_forgotten = Signal(int)  # dropped unserved, or evicted: ask again if in view

    def __init__(self, cache: ThumbnailCache | None = None, limit: int = MAX_ROWS) -> None:
        super().__init__(0, len(Column))
        self.cache = ThumbnailCache() if cache is None else cache  # an empty one is falsy
        self.limit = limit
        self.left_out = 0  # older rows let go to stay within `limit`
        self.group: StatusGroup | None = None  # new rows outside it are not kept
        self._rows: list[TimelineRow] = []  # oldest first; view row r is _rows[-1 - r]
        self._keys: list[tuple[float, int, int]] = []
        self._pos: dict[tuple[RowKind, int], int] = {}  # index in _rows + left_out
        self._asked: set[int] = set()
        for column, title in HEADERS.items():
            self.setHeaderData(column, Qt.Orientation.Horizontal, title)

    # -- feeding ------------------------------------------------------------------------------

    def apply(self, rows: list[TimelineRow]) -> None:
        """Insert new rows and update changed ones in place."""
        fresh: dict[tuple[RowKind, int], TimelineRow] = {}
        for row in rows:
            at = self._at(row.key)
            if at is None:
                if not self._too_old(row) and self._wanted(row):
                    fresh[row.key] = row
                continue
            self._rows[at] = row
            self._fill(self._view_row(at), [row])
        ordered = sorted(fresh.values(), key=_sort_key)
        newest = self._keys[-1] if self._keys else None
        if ordered and (newest is None or _sort_key(ordered[0]) >= newest):
            self._append(ordered)
        else:
            for row in ordered:
                self._insert(row)
        self._trim()

    def restart(self) -> None:
        """Forget every row: the window starts over with the rows that come next."""
        self.removeRows(0, self.rowCount())
        self._rows.clear()
        self._keys.clear()
        self._pos.clear()
        self._asked.clear()
        self.left_out = 0

    def _wanted(self, row: TimelineRow) -> bool:
        """A new row belongs in the window: any, or one in the group the filter shows (a row
        already in it stays when it leaves the group; the filter hides it)."""
        return self.group is None or row.status.group is self.group

    def _too_old(self, row: TimelineRow) -> bool:
        """A row older than every row kept, once the model is full (it was let go before)."""
        return len(self._rows) >= self.limit and _sort_key(row) < self._keys[0]

    def _trim(self) -> None:
        excess = len(self._rows) - self.limit
        if excess <= 0:
            return
        for row in self._rows[:excess]:
            del self._pos[row.key]
            if row.kind is RowKind.SHOT:
                self._asked.discard(row.id)
        del self._rows[:excess]
        del self._keys[:excess]
        self.left_out += excess  # the positions kept in _pos stay right
        self.removeRows(self.limit, excess)  # its signal sees the model as it now is

    def _at(self, key: tuple[RowKind, int]) -> int | None:
        at = self._pos.get(key)
        return None if at is None else at - self.left_out

    def _append(self, rows: list[TimelineRow]) -> None:
        self.insertRows(0, len(rows))
        for row in rows:
            self._pos[row.key] = len(self._rows) + self.left_out
            self._rows.append(row)
            self._keys.append(_sort_key(row))
        self._fill(0, list(reversed(rows)))

    def _insert(self, row: TimelineRow) -> None:
        key = _sort_key(row)
        at = bisect.bisect_right(self._keys, key)
        view = len(self._rows) - at
        self._rows.insert(at, row)
        self._keys.insert(at, key)
        for i in range(at, len(self._rows)):
            self._pos[self._rows[i].key] = i + self.left_out
        self.insertRow(view)
        self._fill(view, [row])

    def _fill(self, first: int, rows: list[TimelineRow]) -> None:
        """Set the cells of view rows first.. from `rows`, then say so once: a signal per
        cell would reach the filter, the view and the panel 6 times a row (a start feeds
        hundreds at a time). Through the model, so that Qt makes the items:
        one made in Python keeps a Python wrapper alive as long as it lives (4 KB a row)."""
        blocked = self.blockSignals(True)
        try:
            for view, row in enumerate(rows, first):
                for column, values in enumerate(self._cells(row)):
                    self.setItemData(self.index(view, column), values)
        finally:
            self.blockSignals(blocked)
        last = first + len(rows) - 1
        self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1))

    def restamp(self) -> None:
        """Word every row's capture time again (after midnight, yesterday's rows get their
        day)."""
        if self._rows:
            self._fill(0, self._rows[::-1])

    def _cells(self, row: TimelineRow) -> list[dict[int, Any]]:
        """Each column's values by role, as Qt's default delegate paints them."""
        label = STATUS_LABELS[row.status]
        status: dict[int, Any] = {
            DISPLAY: label,
            DECORATION: status_pixmap(row.status),
            FOREGROUND: status_colour(row.status),
            # a screen reader hears the status in words, with its reason (the colour and the
            # icon say nothing to it)
            ACCESSIBLE_TEXT: f"Status: {label}",
            ACCESSIBLE_DESCRIPTION: row.summary,
            FILTER_ROLE: f"{row.status.group.value}\t{row.object_key} {row.request_id} {label}",
        }
        callback: dict[int, Any] = {DISPLAY: callback_text(row), FOREGROUND: _callback_colour(row)}
        title = "Foreign callback" if row.kind is RowKind.CALLBACK else f"Shot #{row.id}"
        return [
            {DECORATION: self._thumbnail(row), ACCESSIBLE_TEXT: f"{title}, {label}"},
            status,
            {DISPLAY: shot_text(row)},
            {DISPLAY: upload_text(row)},
            {DISPLAY: attempts_text(row)},
            callback,
        ]

    def _thumbnail(self, row: TimelineRow) -> QIcon:
        icon = self.cache.icon(row.id) if row.kind is RowKind.SHOT else None
        return placeholder() if icon is None else icon

    # -- thumbnails ---------------------------------------------------------------------------

    def want_thumbnails(self, view_rows: Iterable[int]) -> None:
        """The rows in view: ask for the thumbnails they lack (each once until answered), and
        keep those they show the most recently used in the cache."""
        for view in view_rows:
            row = self.row_at(view)
            if row.kind is not RowKind.SHOT or not row.has_thumbnail:
                continue
            if self.cache.get(row.id) is None and row.id not in self._asked:
                self._asked.add(row.id)
                self.thumbnail_wanted.emit(row.id)

    def thumbnail_ready(self, shot_id: int, image: QImage) -> None:
        """The loader's answer; a null image (none yet, or unreadable) is asked for again when
        the row is next in view (a thumbnail journaled later updates the row)."""
        self._asked.discard(shot_id)
        if image.isNull():
            return
        for evicted in self.cache.put(shot_id, image):
            self._show_thumbnail(evicted)
            # Pushed out by answers to older requests (a fast scroll asks for more than the
            # cache holds): a row still in view asks again, or it would stay blank.
            self.thumbnail_forgotten.emit(evicted)
        self._show_thumbnail(shot_id)

    def thumbnail_dropped(self, shot_id: int) -> None:
        """The loader dropped the request unserved (its backlog was full): forget it was asked,
        so that the row asks again the next time it is in view."""
        self._asked.discard(shot_id)
        self.thumbnail_forgotten.emit(shot_id)

    def _show_thumbnail(self, shot_id: int) -> None:
        """The cell shows what the cache holds now: the picture, or the placeholder once the
        cache let it go (so that no cell keeps an evicted pixmap alive)."""
        at = self._at((RowKind.SHOT, shot_id))
        if at is not None:
            index = self.index(self._view_row(at), Column.THUMB)
            self.setData(index, self._thumbnail(self._rows[at]), DECORATION)

    # -- reading ------------------------------------------------------------------------------

    def row_at(self, view_row: int) -> TimelineRow:
        return self._rows[-1 - view_row]

    def view_row_of(self, key: tuple[RowKind, int]) -> int | None:
        at = self._at(key)
        return None if at is None else self._view_row(at)

    def _view_row(self, at: int) -> int:
        return len(self._rows) - 1 - at

    def tooltip(self, view_row: int, column: int) -> str:
        return _tooltip(self.row_at(view_row), Column(column))


@cache
def placeholder() -> QIcon:
    """The grey rounded box a row shows until its thumbnail is loaded (one icon, shared)."""
    image = QImage(THUMB_SIZE, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(colour(Palette.THUMB_PLACEHOLDER))
    return as_icon(rounded(image))


@cache
def status_pixmap(status: Status) -> QPixmap:
    """The status icon at its size in the table (the view's icon size is the thumbnails')."""
    return status_icon(status).pixmap(STATUS_ICON)


class TimelineFilter(QSortFilterProxyModel):
    """All rows, or only those whose status is in one group (failed / pending), and of those
    the ones whose key, requestId or status holds the text searched for: one regular
    expression over the status cell's filter role, matched in Qt's own code (a Python
    filterAcceptsRow would run for every row a start feeds)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFilterRole(FILTER_ROLE)
        self.setFilterKeyColumn(Column.STATUS)
        self.group: StatusGroup | None = None
        self.search = ""

    def set_group(self, group: StatusGroup | None) -> None:
        self.group = group
        self._apply()

    def set_search(self, text: str) -> None:
        self.search = text.strip()
        self._apply()

    def _apply(self) -> None:
        group = "[^\t]*" if self.group is None else QRegularExpression.escape(self.group.value)
        text = QRegularExpression.escape(self.search)
        pattern = "" if self.group is None and not text else f"^{group}\t.*{text}"
        self.setFilterRegularExpression(
            QRegularExpression(pattern, QRegularExpression.PatternOption.CaseInsensitiveOption)
        )


# -- cell text --------------------------------------------------------------------------------


def shot_text(row: TimelineRow) -> str:
    """The capture time and size, the key's name under it (key_tail)."""
    size = f"  ·  {human_size(row.size)}" if row.size else ""
    return local_time(row.when) + size + (f"\n{key_tail(row.object_key)}" if row.object_key else "")


_SID_PART = re.compile(r"[0-9a-f]{32}_")


def key_tail(key: str) -> str:
    """The part of an object key that tells rows apart at a glance: the file name from the
    channel on (`<cname>__uid_s_<uid>__uid_e_video_<utc>.jpg`). The prefix and date folder
    are the same for a whole day and the sid (32 hex digits) for a whole session, so showing
    them pushed the channel and uid out of the cell; the whole key is in the tooltip and the
    detail pane. A key of another shape shows its file name."""
    name = key.rsplit("/", 1)[-1]
    return name[33:] if _SID_PART.match(name) else name


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def local_time(when: datetime) -> str:
    """HH:MM:SS.mmm in local time, with the day before it when it is not today. Formatted by
    hand: strftime imports a module per call, which PySide hooks, at every row of every batch
    (the row "timeline: GUI thread per batch of the window's start" guards it)."""
    local = when.astimezone()
    stamp = (
        f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}.{local.microsecond // 1000:03d}"
    )
    if local.date() != date.today():
        return f"{MONTHS[local.month - 1]} {local.day:02d} {stamp}"
    return stamp


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.2f} MB"


def upload_text(row: TimelineRow) -> str:
    if row.kind is RowKind.CALLBACK or row.upload_state is UploadState.NONE:
        return "—"
    if row.upload_state is UploadState.UPLOADED:
        return f"stored · {row.upload_ms:.0f} ms" if row.upload_ms is not None else "stored"
    if row.upload_tries:
        return f"retrying ({row.upload_tries})"
    return "waiting"


def attempts_text(row: TimelineRow) -> str:
    """One line per attempt, oldest first, each its answer (the cause) then its time: a line
    is never cut, as the column is as wide as the widest line (WIDEST). Beyond CELL_LINES
    attempts (a delivery resumed after a restart), the newest ones under a count of the rest.
    A resend by hand adds its last attempt after a ↻."""
    if row.kind is RowKind.CALLBACK:
        return "—"
    lines = [_attempt_line(a.ok, a.status, a.ms) for a in row.attempts]
    if row.resends:
        lines.append(_resend_line(row.resends[-1]))
    if not lines:
        return "sending…" if row.notify_state is NotifyState.SENDING else "—"
    if len(lines) > CELL_LINES:
        earlier = len(lines) - CELL_LINES + 1
        lines = [f"… {earlier} earlier", *lines[-(CELL_LINES - 1) :]]
    return "\n".join(lines)


def _attempt_line(ok: bool, status: int | None, ms: float) -> str:
    answer = "no answer" if status is None else str(status)
    return f"{'✓' if ok else '✗'} {answer} · {ms:.0f} ms"


def _resend_line(resend: Resend) -> str:
    """A resend's last attempt after a ↻ (no time for no answer: the column keeps its width)."""
    if not resend.attempts:
        return "↻ resending…"
    last = resend.attempts[-1]
    mark = "✓" if last.ok else "✗"
    if last.status is None:
        return f"↻ {mark} no answer"
    return f"↻ {mark} {last.status} · {last.ms:.0f} ms"


def callback_text(row: TimelineRow) -> str:
    """What the embedded webhook received (the checksum's verdict) and, under it, what it
    answered, run by run: a green "verified" never stands beside a red Failed row whose
    webhook answered 500 or dropped the connection."""
    if not row.callbacks:
        return "—"
    last = row.callbacks[-1]
    if last.checksum_ok is None:
        received = "rejected"
    else:
        received = "✓ verified" if last.checksum_ok else "✗ bad checksum"
    return "\n".join([received, *answered_lines(row.callbacks)])


def answered_lines(callbacks: tuple[Callback, ...]) -> list[str]:
    """What the webhook answered: the first delivery's answer in words ("answered 500",
    "dropped"), then the later ones as runs of one status ("then 500, 200", "then 500 x2"
    with a multiplication sign, or only the last run after a "…"), so that the column keeps
    its width; the tooltip lists every delivery."""
    first, *later = [c.answered for c in callbacks]
    lead = _FIRST_WORDS.get(first, f"answered {first}")
    if not later:
        return [lead]
    if later[-1] == ANSWERING:  # the newest delivery waits for its answer: say only that
        return [lead, "answering…"]
    runs: list[list[int]] = []
    for status in later:
        if runs and runs[-1][0] == status:
            runs[-1][1] += 1
        else:
            runs.append([status, 1])
    words = [
        _LATER_WORDS.get(status, str(status)) + (f" ×{n}" if n > 1 else "") for status, n in runs
    ]
    if len(runs) == 2 and all(n == 1 for _, n in runs):
        return [lead, f"then {words[0]}, {words[1]}"]
    if len(runs) > 1:
        return [lead, f"then … {words[-1]}"]
    return [lead, f"then {words[0]}"]


_FIRST_WORDS = {DROPPED: "dropped", ANSWERING: "answering…", SENDER_GONE: "sender gone"}
_LATER_WORDS = {DROPPED: "drop", SENDER_GONE: "gone"}

# The widest text each column shows (a 4-digit notification time: the deadline is 5 s; a
# 5-digit upload time), which its width is made from, so that no cause is ever cut.
WIDEST: dict[Column, tuple[str, ...]] = {
    Column.STATUS: tuple(STATUS_LABELS.values()),
    Column.UPLOAD: ("stored · 88888 ms", "retrying (88)", "waiting"),
    Column.NOTIFY: (
        "✗ no answer · 8888 ms",
        "↻ ✗ 888 · 8888 ms",
        "✓ 888 · 8888 ms",
        "… 88 earlier",
        "sending…",
    ),
    Column.CALLBACK: (
        "✗ bad checksum",
        "answered 888",
        "then 888, 888",
        "then … drop ×8",
        "answering…",
    ),
}


def _callback_colour(row: TimelineRow) -> QColor | None:
    """Green only when the webhook verified it and answered 200 and the notification did not
    fail; neutral while a delayed answer waits; red otherwise."""
    if not row.callbacks:
        return None
    last = row.callbacks[-1]
    if last.answered == ANSWERING:
        return None
    failed = row.notify_state is NotifyState.FAILED
    good = bool(last.checksum_ok) and last.answered == 200 and not failed
    return colour(Palette.OK if good else Palette.FAILED)


def _tooltip(row: TimelineRow, column: Column) -> str:
    if column is Column.SHOT:
        return f"{iso(row.when)}\n{row.object_key}"
    if column is Column.STATUS:
        return row.summary
    if column is Column.NOTIFY:
        return "\n".join(
            [_attempts_tip(row.attempts)]
            + [f"resent to {r.url} ({r.note}):\n{_attempts_tip(r.attempts)}" for r in row.resends]
        ).strip()
    if column is Column.CALLBACK and row.callbacks:
        return "\n".join(
            f"delivery {c.delivery}: {c.verdict}; {answered_lines((c,))[0]}" for c in row.callbacks
        )

    if column is Column.UPLOAD and row.uploaded_at:
        stored = local_time(parse_iso(row.uploaded_at))
        return f"stored at {stored} in {row.upload_tries} tr(ies): {row.upload_location}"
    if column is Column.UPLOAD and row.upload_error:
        return row.upload_error
    return ""


def _attempts_tip(attempts: tuple[Attempt, ...]) -> str:
    return "\n".join(
        f"attempt {a.attempt}: {a.status or 'no answer'} in {a.ms:.0f} ms"
        + (f" — {a.error}" if a.error else "")
        for a in attempts
    )
