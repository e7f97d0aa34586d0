"""The timeline as a Qt model: one row per shot (and per foreign callback), newest on top,
fed incrementally with upserts; thumbnails decoded lazily and cached within a bound."""

from __future__ import annotations

import bisect
from collections import OrderedDict
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPixmap

from capture.timeline import RowKind, StatusGroup, TimelineRow
from gui.resources import STATUS_LABELS, status_colour, status_icon

THUMB_SIZE = QSize(88, 50)
THUMB_CACHE = 400
THUMB_RADIUS = 4
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
ModelIndex = QModelIndex | QPersistentModelIndex


SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 2


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
    Column.SHOT: "Captured · object key",
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
    picture.fill(Qt.GlobalColor.transparent)
    painter = QPainter(picture)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    path.addRoundedRect(QRectF(picture.rect()), THUMB_RADIUS, THUMB_RADIUS)
    painter.setClipPath(path)
    painter.drawImage(0, 0, image)
    painter.end()
    return picture


class ThumbnailCache:
    """Most recently used thumbnails as pixmaps, at most `limit` of them."""

    def __init__(self, limit: int = THUMB_CACHE) -> None:
        self.limit = limit
        self._items: OrderedDict[int, QPixmap] = OrderedDict()

    def get(self, shot_id: int) -> QPixmap | None:
        pixmap = self._items.get(shot_id)
        if pixmap is not None:
            self._items.move_to_end(shot_id)
        return pixmap

    def put(self, shot_id: int, image: QImage) -> None:
        self._items[shot_id] = rounded(
            image.scaled(
                THUMB_SIZE,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        self._items.move_to_end(shot_id)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class TimelineModel(QAbstractTableModel):
    thumbnail_wanted = Signal(int)

    def __init__(self, cache: ThumbnailCache | None = None) -> None:
        super().__init__()
        self.cache = cache or ThumbnailCache()
        self._rows: list[TimelineRow] = []  # oldest first; view row r is _rows[-1 - r]
        self._keys: list[tuple[float, int, int]] = []
        self._pos: dict[tuple[RowKind, int], int] = {}
        self._asked: set[int] = set()

    # -- feeding ------------------------------------------------------------------------------

    def apply(self, rows: list[TimelineRow]) -> None:
        """Insert new rows and update changed ones in place."""
        fresh: dict[tuple[RowKind, int], TimelineRow] = {}
        for row in rows:
            at = self._pos.get(row.key)
            if at is None:
                fresh[row.key] = row
                continue
            self._rows[at] = row
            view = self._view_row(at)
            self.dataChanged.emit(self.index(view, 0), self.index(view, len(Column) - 1))
        ordered = sorted(fresh.values(), key=_sort_key)
        newest = self._keys[-1] if self._keys else None
        if ordered and (newest is None or _sort_key(ordered[0]) >= newest):
            self._append(ordered)
        else:
            for row in ordered:
                self._insert(row)

    def _append(self, rows: list[TimelineRow]) -> None:
        self.beginInsertRows(QModelIndex(), 0, len(rows) - 1)
        for row in rows:
            self._pos[row.key] = len(self._rows)
            self._rows.append(row)
            self._keys.append(_sort_key(row))
        self.endInsertRows()

    def _insert(self, row: TimelineRow) -> None:
        key = _sort_key(row)
        at = bisect.bisect_right(self._keys, key)
        view = len(self._rows) - at
        self.beginInsertRows(QModelIndex(), view, view)
        self._rows.insert(at, row)
        self._keys.insert(at, key)
        for i in range(at, len(self._rows)):
            self._pos[self._rows[i].key] = i
        self.endInsertRows()

    def thumbnail_ready(self, shot_id: int, image: QImage) -> None:
        """The loader's answer; a null image (none yet, or unreadable) is asked for again the
        next time the row is painted (a thumbnail journaled later repaints it)."""
        self._asked.discard(shot_id)
        if image.isNull():
            return
        self.cache.put(shot_id, image)
        self._repaint_thumbnail(shot_id)

    def thumbnail_dropped(self, shot_id: int) -> None:
        """The loader dropped the request unserved (its backlog was full): forget it was asked,
        and repaint the cell, so that a row still in view asks again (one out of view asks
        when it is painted again)."""
        self._asked.discard(shot_id)
        self._repaint_thumbnail(shot_id)

    def _repaint_thumbnail(self, shot_id: int) -> None:
        at = self._pos.get((RowKind.SHOT, shot_id))
        if at is not None:
            index = self.index(self._view_row(at), Column.THUMB)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    # -- reading ------------------------------------------------------------------------------

    def row_at(self, view_row: int) -> TimelineRow:
        return self._rows[-1 - view_row]

    def view_row_of(self, key: tuple[RowKind, int]) -> int | None:
        at = self._pos.get(key)
        return None if at is None else self._view_row(at)

    def _view_row(self, at: int) -> int:
        return len(self._rows) - 1 - at

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # The view asks for a dozen roles per cell on every repaint: answer the ones never used
        # before building anything (this runs on the GUI thread, ~1,200 calls a repaint).
        if role not in _ROLES or not index.isValid():
            return None
        row = self.row_at(index.row())
        column = Column(index.column())
        if role == ROW_ROLE:
            return row
        if role == SUBTITLE_ROLE:
            return row.object_key if column is Column.SHOT else None
        if role == Qt.ItemDataRole.DisplayRole:
            return _text(row, column)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._decoration(row, column)
        if role == Qt.ItemDataRole.ForegroundRole and column is Column.STATUS:
            return status_colour(row.status)
        if role == Qt.ItemDataRole.ForegroundRole and column is Column.CALLBACK:
            return _callback_colour(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(row, column)
        return None

    def _decoration(self, row: TimelineRow, column: Column) -> Any:
        if column is Column.STATUS:
            return status_icon(row.status)
        if column is Column.THUMB and row.has_thumbnail:
            pixmap = self.cache.get(row.id)
            if pixmap is None and row.id not in self._asked:
                self._asked.add(row.id)
                self.thumbnail_wanted.emit(row.id)
            return pixmap
        return None


_ROLES = frozenset(
    {
        ROW_ROLE,
        SUBTITLE_ROLE,
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.ToolTipRole,
    }
)


class TimelineFilter(QSortFilterProxyModel):
    """All rows, or only those whose status is in one group (failed / pending)."""

    def __init__(self) -> None:
        super().__init__()
        self._group: StatusGroup | None = None

    def set_group(self, group: StatusGroup | None) -> None:
        self.beginFilterChange()
        self._group = group
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, _parent: ModelIndex) -> bool:
        if self._group is None:
            return True
        model = self.sourceModel()
        assert isinstance(model, TimelineModel)
        return model.row_at(source_row).status.group is self._group


# -- cell text --------------------------------------------------------------------------------


def _text(row: TimelineRow, column: Column) -> str:
    if column is Column.STATUS:
        return STATUS_LABELS[row.status]
    if column is Column.SHOT:
        size = f"  ·  {human_size(row.size)}" if row.size else ""
        return local_time(row.when) + size
    if column is Column.UPLOAD:
        return upload_text(row)
    if column is Column.NOTIFY:
        return attempts_text(row)
    if column is Column.CALLBACK:
        return callback_text(row)
    return ""


def local_time(when: datetime) -> str:
    local = when.astimezone()
    stamp = local.strftime("%H:%M:%S.") + f"{local.microsecond // 1000:03d}"
    if local.date() != datetime.now().astimezone().date():
        return local.strftime("%b %d ") + stamp
    return stamp


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.2f} MB"


def upload_text(row: TimelineRow) -> str:
    if row.kind is RowKind.CALLBACK or row.upload_state == "none":
        return "—"
    if row.upload_state == "uploaded":
        return f"stored · {row.upload_ms:.0f} ms" if row.upload_ms is not None else "stored"
    if row.upload_tries:
        return f"retrying ({row.upload_tries})"
    return "waiting"


def attempts_text(row: TimelineRow) -> str:
    if row.kind is RowKind.CALLBACK:
        return "—"
    if not row.attempts:
        return "sending…" if row.notify_state == "sending" else "—"
    parts = [
        f"{a.status if a.status is not None else 'no answer'} · {a.ms:.0f} ms" for a in row.attempts
    ]
    mark = {"delivered": "✓ ", "failed": "✗ "}.get(row.notify_state, "")
    return mark + "  →  ".join(parts)


def callback_text(row: TimelineRow) -> str:
    if not row.callbacks:
        return "—"
    last = row.callbacks[-1]
    if last.checksum_ok is None:
        verdict = f"rejected ({last.answered})"
    else:
        verdict = "✓ verified" if last.checksum_ok else "✗ bad checksum"
    count = len(row.callbacks)
    return verdict + (f" ×{count}" if count > 1 else "")


def _callback_colour(row: TimelineRow) -> QColor | None:
    if not row.callbacks:
        return None
    ok = row.callbacks[-1].checksum_ok
    return QColor("#15803d" if ok else "#b91c1c")


def _tooltip(row: TimelineRow, column: Column) -> str:
    if column is Column.SHOT:
        utc = row.when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return f"{utc}\n{row.object_key}"
    if column is Column.STATUS:
        return row.summary
    if column is Column.NOTIFY:
        return "\n".join(
            f"attempt {a.attempt}: {a.status or 'no answer'} in {a.ms:.0f} ms"
            + (f" — {a.error}" if a.error else "")
            for a in row.attempts
        )
    if column is Column.CALLBACK and row.callbacks:
        return row.callbacks[-1].verdict
    if column is Column.UPLOAD and row.uploaded_at:
        stored = local_time(_parse_iso(row.uploaded_at))
        return f"stored at {stored} in {row.upload_tries} tr(ies): {row.upload_location}"
    if column is Column.UPLOAD and row.upload_error:
        return row.upload_error
    return ""


def _parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
