"""The HAR export of a journal holding 10,000 exchanges (`--export FILE.har --session all`,
through capture/export/command.export: the reader's pages, redaction, every HAR field, the
temporary file renamed) against a floor doing the same I/O bare: the same rows selected with
plain sqlite3 and each one's columns written with json.dumps. Goal: under 5 s."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.harness import Bench, BenchError, Context, Row, Stopwatch, median
from capture.export.command import ALL, ExportJob, export
from capture.journal.exchanges import INSERT_EXCHANGE, exchange_row
from capture.journal.records import Direction, Exchange, NewShot, Timing
from capture.journal.writer import Journal
from capture.spec.naming import new_sid, object_key, utc_digits
from capture.spec.payload import Notification

ROW = "export: HAR of the journal's exchanges vs json.dumps of the rows"
GOAL_S = 5.0


def _exchanges(count: int, shot_id: int, url: str, body: bytes) -> list[tuple[object, ...]]:
    """`count` exchanges, half sent (with an Authorization to redact) and half received."""
    rows = []
    for n in range(count):
        sent = n % 2 == 0
        exchange = Exchange(
            direction=Direction.SENT if sent else Direction.RECEIVED,
            at="2026-01-02T03:04:05.006Z",
            method="POST",
            url=url if sent else "/callback",
            http_version="HTTP/1.1",
            request_headers=(
                (b"Host", b"127.0.0.1:8787"),
                (b"User-Agent", b"ShotHook/0.1 (+screenshot-upload emulator)"),
                (b"Content-Type", b"application/json;charset=utf-8"),
                (b"Accept", b"*/*"),
                (b"Accept-Encoding", b"gzip, deflate, br"),
                (b"Content-Length", str(len(body)).encode()),
                (b"Authorization", b"Bearer abc"),
            ),
            request_body=body,
            request_size=len(body),
            status=200,
            response_headers=(
                (b"Content-Type", b"application/json; charset=utf-8"),
                (b"Content-Length", b"16"),
                (b"Date", b"Sat, 02 Jan 2026 03:04:05 GMT"),
            ),
            response_body=b'{"status": "ok"}',
            response_size=16,
            remote="" if sent else "127.0.0.1",
            timing=Timing(total_ms=4.2, connect_ms=0.4, first_byte_ms=3.9),
            shot_id=shot_id,
            request_id=f"rid-{n // 2}",
            object_key="20260102/key.jpg",
        )
        rows.append(exchange_row(exchange))
    return rows


def _journal(folder: Path, count: int) -> Path:
    path = folder / "journal.sqlite3"
    journal = Journal(path)  # the schema, as the engine makes it
    try:
        session = journal.start_session(source="b", storage="b", callback_url="", settings={})
        sid, now = new_sid(), datetime.now(UTC)
        key = object_key("", sid, "bench", 1, now)
        shot = journal.add_shot(
            NewShot(session, 0, sid, 1, "bench", key, utc_digits(now), 200, "x")
        )
    finally:
        journal.close()
    url = "http://127.0.0.1:8787/callback"
    body = Notification(f"{sid}_1_{'a' * 32}", "bench", 1, key, utc_digits(now)).encode(url)
    with sqlite3.connect(path) as conn:
        conn.executemany(INSERT_EXCHANGE, _exchanges(count, shot, url, body))
    return path


def _floor(journal: Path, out: Path) -> None:
    """The same rows read and written as JSON, with nothing of HAR's or ours."""
    with sqlite3.connect(journal) as conn, out.open("w", encoding="utf-8") as fh:
        for row in conn.execute("SELECT * FROM exchanges ORDER BY id"):
            fields = [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in row]
            fh.write(json.dumps(fields) + "\n")


def run(ctx: Context) -> list[Row]:
    count = ctx.scale.timeline_shots  # 10,000 in the full run
    journal = _journal(ctx.workdir, count)
    ours, floor = [], []
    for rep in range(ctx.scale.reps):
        with Stopwatch() as bare:
            _floor(journal, ctx.workdir / f"floor-{rep}.jsonl")
        floor.append(bare.seconds)
        with Stopwatch() as har:
            written = export(journal, ExportJob(ctx.workdir / f"ours-{rep}.har", ALL))
        ours.append(har.seconds)
        if written.count != count:
            raise BenchError(f"the export wrote {written.count} of {count} exchanges")
    mine, bare_s = median(ours), median(floor)
    ctx.log(f"{count} exchanges: HAR {mine:.2f} s, json.dumps of the rows {bare_s:.2f} s")
    note = f"{count:,} exchanges, half sent and half received"
    return [Row(ROW, "s", mine, bare_s, f"ours <= {GOAL_S:g} s", mine <= GOAL_S, (note,))]


BENCH = Bench("export", "The exchanges' HAR export", (ROW,), run)
