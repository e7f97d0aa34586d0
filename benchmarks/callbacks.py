"""Embedded webhook throughput: callbacks per second with verification and journaling.

Ours is capture/webhook.py's `WebhookServer` with a real journal on disk, answering genuine
notifications (valid checksums, one shot journaled per requestId, as after real sends). The
floor is a bare aiohttp app that only parses the JSON. Both run on their own asyncio loop in a
thread of this process; the same load generator, in another process, sends them the same
number of bodies over 16 keep-alive connections. Every answer is counted: none may be lost.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.harness import Bench, BenchError, Context, Row, Stopwatch, median
from benchmarks.servers import BareJsonServer
from capture import events
from capture.events import Event
from capture.journal.writer import Journal, NewShot
from capture.receiver.webhook import WebhookServer
from capture.runtime import Runnable, Worker, spawn_thread
from capture.spec.naming import new_request_id, new_sid, object_key, utc_digits
from capture.spec.payload import CODE_COMPLETE, MSG_COMPLETE, Notification

CONNECTIONS = 16
GOAL = 0.7
ROW = "webhook: callbacks/s, 16 connections"
LOADGEN_TIMEOUT_S = 300.0
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Load:
    """What the load generator reported."""

    sent: int
    ok: int
    failed: int
    errors: list[str]
    elapsed_s: float
    client_cpu_s: float
    server_cpu_s: float  # CPU this process (the servers' threads) used meanwhile

    @property
    def server_us(self) -> float:
        """Server CPU per callback answered, in microseconds."""
        return self.server_cpu_s / max(1, self.ok) * 1e6

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed_s

    @property
    def lost(self) -> int:
        return self.sent - self.ok


class CountingSink:
    """Stands in for the window's event signal: counts what the webhook reports."""

    def __init__(self) -> None:
        self.received = 0
        self.rejected = 0

    def __call__(self, event: Event) -> None:
        if event.name == events.CALLBACK_RECEIVED:
            self.received += 1
        elif event.name == events.CALLBACK_REJECTED:
            self.rejected += 1


def send_load(url: str, bodies: list[bytes], folder: Path, name: str) -> Load:
    path = folder / f"{name}.jsonl"
    path.write_bytes(b"".join(body + b"\n" for body in bodies))
    with Stopwatch() as watch:
        done = subprocess.run(
            [
                *(sys.executable, "-m", "benchmarks.loadgen"),
                *("--url", url, "--bodies", str(path), "--connections", str(CONNECTIONS)),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=LOADGEN_TIMEOUT_S,
            check=False,
        )
    if done.returncode != 0:
        raise BenchError(f"load generator failed: {done.stderr.strip()[-500:]}")
    out = json.loads(done.stdout)
    return Load(
        sent=out["sent"],
        ok=out["statuses"].get("200", 0),
        failed=out["failed"],
        errors=out["errors"],
        elapsed_s=out["elapsed_s"],
        client_cpu_s=out["client_cpu_s"],
        server_cpu_s=watch.cpu,
    )


def _host(name: str, runnable: Runnable) -> Worker:
    worker = spawn_thread(name, runnable)
    worker.start()
    return worker


def _stop(worker: Worker) -> None:
    worker.request_stop()
    if not worker.join(10.0):
        raise BenchError(f"{worker.name} did not stop")


def notifications(url: str, count: int, journal: Journal | None = None) -> list[bytes]:
    """`count` genuine notification bodies for `url`; with a journal, each for a shot journaled
    as sent (so the webhook correlates it, as after a real send)."""
    session_id = 0
    if journal is not None:
        session_id = journal.start_session(
            source="benchmark", storage="none", callback_url=url, settings={}
        )
    sid, channel, uid = new_sid(), "bench", 1001
    bodies = []
    for tick in range(count):
        now = datetime.now(UTC)
        key, utc = object_key("bench", sid, channel, uid, now), utc_digits(now)
        note = Notification(new_request_id(sid, now), channel, uid, key, utc)
        body = note.encode(url)
        if journal is not None:
            shot = NewShot(
                session_id, tick, sid, uid, channel, key, utc, CODE_COMPLETE, MSG_COMPLETE
            )
            shot_id = journal.add_shot(shot)
            journal.notification_created(shot_id, note.request_id, body.decode(), url)
        bodies.append(body)
    return bodies


def journaled(path: Path, bodies: list[bytes]) -> tuple[int, int]:
    """(callbacks journaled for these bodies, of which answered 200 with a verified checksum)."""
    ids = [json.loads(body)["requestId"] for body in bodies]
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute("CREATE TEMP TABLE wanted(id TEXT PRIMARY KEY)")
        conn.executemany("INSERT INTO wanted VALUES (?)", [(i,) for i in ids])
        row = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(answered = 200 AND checksum_ok = 1), 0)"
            " FROM callbacks WHERE request_id IN (SELECT id FROM wanted)"
        ).fetchone()
    finally:
        conn.close()
    return int(row[0]), int(row[1])


def run(ctx: Context) -> list[Row]:
    n = ctx.scale.webhook_requests
    journal = Journal(ctx.workdir / "journal.sqlite3")
    sink = CountingSink()
    ours = WebhookServer(journal, sink, port=0)
    floor = BareJsonServer()
    workers = [_host("webhook", ours), _host("bare-webhook", floor)]
    try:
        if not (ours.ready.wait(10) and ours.port and floor.ready.wait(10) and floor.port):
            raise BenchError(f"a webhook did not start: {ours.error}")
        ours_loads: list[Load] = []
        floor_loads: list[Load] = []
        for rep in range(ctx.scale.reps):
            # Alternate which goes first, so neither always runs on a warmer or busier machine.
            for side in ("floor", "ours") if rep % 2 == 0 else ("ours", "floor"):
                if side == "floor":
                    floor_loads.append(_floor_run(ctx, floor, n, rep))
                else:
                    ours_loads.append(_ours_run(ctx, ours, journal, n, rep))
            ctx.log(
                f"rep {rep + 1}: floor {floor_loads[-1].rate:,.0f}/s,"
                f" ours {ours_loads[-1].rate:,.0f}/s"
            )
    finally:
        for worker in workers:
            _stop(worker)
        journal.close()
    return [_row(ours_loads, floor_loads, n)]


def _floor_run(ctx: Context, floor: BareJsonServer, n: int, rep: int) -> Load:
    parsed_before = floor.parsed
    load = send_load(floor.url, notifications(floor.url, n), ctx.workdir, f"floor{rep}")
    if floor.parsed - parsed_before != load.ok:
        raise BenchError("the bare server parsed a different count than it answered")
    return load


def _ours_run(ctx: Context, ours: WebhookServer, journal: Journal, n: int, rep: int) -> Load:
    bodies = notifications(ours.url, n, journal)
    load = send_load(ours.url, bodies, ctx.workdir, f"ours{rep}")
    rows, verified = journaled(journal.path, bodies)
    if rows != n or verified != n:
        raise BenchError(f"webhook journaled {rows} of {n} callbacks, {verified} verified")
    return load


def _row(ours: list[Load], floor: list[Load], n: int) -> Row:
    lost = sum(load.lost for load in ours)
    ours_rate = median([load.rate for load in ours])
    floor_rate = median([load.rate for load in floor])
    cpu = median([load.client_cpu_s / load.elapsed_s for load in ours + floor])
    met = ours_rate / floor_rate >= GOAL and lost == 0
    notes = [
        f"{len(ours)} run(s) of {n:,} callbacks each for ours and the floor, alternated;"
        f" medians shown (ours: {', '.join(f'{x.rate:,.0f}' for x in ours)}/s;"
        f" floor: {', '.join(f'{x.rate:,.0f}' for x in floor)}/s)",
        f"none lost: {sum(x.ok for x in ours):,} of {n * len(ours):,} answered 200, each"
        " journaled with its checksum verified"
        if not lost
        else f"LOST {lost} callbacks",
        f"server CPU per callback, median: ours {median([x.server_us for x in ours]):.0f} us,"
        f" floor {median([x.server_us for x in floor]):.0f} us; the load generator, in its own"
        f" process, used {cpu:.0%} of a core",
    ]
    errors = [e for load in ours + floor for e in load.errors]
    if errors:
        notes.append(f"client errors: {errors[:3]}")
    return Row(ROW, "/s", ours_rate, floor_rate, f"ratio >= {GOAL}, none lost", met, tuple(notes))


BENCH = Bench(
    name="webhook",
    title="embedded webhook: callbacks/s with verification and journaling",
    rows=(ROW,),
    run=run,
)
