"""The timeline's rows shown, as a CSV file: one line per row, in the columns the table shows
(with the status's reason and the full times), written on a worker. A row holds no secret of
the settings; a storage location written as a URL with a user and password in it (an
endpoint set up that way) is written without them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from capture.journal.reader import TimelineRow
from capture.paths import write_atomic
from capture.spec.naming import iso
from gui.resources import STATUS_LABELS
from gui.timeline.model import attempts_text, callback_text, upload_text

CSV_FILTER = "CSV files (*.csv);;All files (*)"
DEFAULT_NAME = "shothook-timeline.csv"
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")

COLUMNS: tuple[tuple[str, Callable[[TimelineRow], object]], ...] = (
    ("kind", lambda r: r.kind.value),
    ("id", lambda r: r.id),
    ("time (UTC)", lambda r: iso(r.when)),
    ("status", lambda r: STATUS_LABELS[r.status]),
    ("why", lambda r: r.summary),
    ("object key", lambda r: r.object_key),
    ("requestId", lambda r: r.request_id),
    ("bytes", lambda r: r.size or ""),
    ("upload", upload_text),
    ("stored at", lambda r: without_credentials(r.upload_location)),
    ("attempts", attempts_text),
    ("callback", callback_text),
)


def without_credentials(text: str) -> str:
    """`text` with the `user:password@` of any URL in it taken out."""
    return _USERINFO.sub("", text)


def rows_csv(rows: Sequence[TimelineRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([name for name, _ in COLUMNS])
    for row in rows:
        writer.writerow([value(row) for _, value in COLUMNS])
    return out.getvalue()


def write_rows(path: Path, rows: Sequence[TimelineRow]) -> int:
    """Write `rows` to `path` (whole, or not at all); returns how many."""
    write_atomic(path, rows_csv(rows).encode("utf-8"))
    return len(rows)
