"""Uploads to an S3 endpoint: shots per second with 8 users sharing one pipeline.

The endpoint is moto's S3 server in its own process, over HTTP on loopback. Ours is the
engine's upload stage as a session runs it: 8 publishers' shots (spooled and journaled
beforehand, as the capture stage leaves them) go through one `UploadQueue` to the default
number of `Uploader` workers sharing one `S3Storage`, which journal and report every upload.
The floor is a bare boto3 `put_object` loop on as many threads sharing one client, with the
same bytes. The two alternate, `reps` times each; medians are reported.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import boto3
from botocore.config import Config

from benchmarks.harness import Bench, BenchError, Context, Row, Stopwatch, median
from benchmarks.pipeline import QUALITY, pattern_frame
from capture import events
from capture.delivery.uploads import Uploader, UploadItem, UploadQueue
from capture.events import Event
from capture.journal.writer import Journal, NewShot
from capture.runtime import Worker, spawn_thread, stop_all
from capture.settings.model import StorageKind, StorageSettings
from capture.shooting.encoder import encode_jpeg
from capture.shooting.session import DEFAULT_UPLOAD_WORKERS
from capture.spec.naming import new_sid, object_key, utc_digits
from capture.spec.payload import CODE_COMPLETE, MSG_COMPLETE
from capture.storage import make_storage
from capture.storage.spool import Spool
from tests.support.servers import MotoServer, start_moto, stop_moto

USERS = 8
GOAL = 0.8
REGION = "us-east-1"
ROW = "S3 uploads: shots/s, 8 users, one pipeline"
UPLOAD_TIMEOUT_S = 300.0
CHANNEL = "bench"


@contextlib.contextmanager
def moto_credentials() -> Iterator[None]:
    """Credentials for moto through the standard AWS chain, nothing from this machine's files."""
    wanted = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass(frozen=True)
class Run:
    count: int
    seconds: float
    client_cpu: float  # CPU seconds this process used meanwhile
    server_cpu: float  # CPU seconds moto used meanwhile

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def per_shot_ms(self) -> tuple[float, float]:
        return self.client_cpu / self.count * 1000, self.server_cpu / self.count * 1000


def bare_puts(moto: MotoServer, bucket: str, keys: list[str], data: bytes, threads: int) -> Run:
    """The floor: `threads` threads calling put_object in a loop on one boto3 client. The
    requests are the same as ours on the wire (no optional checksum, the same content type)."""
    same_wire = Config(
        request_checksum_calculation="when_required", response_checksum_validation="when_required"
    )
    client = boto3.client("s3", endpoint_url=moto.endpoint, region_name=REGION, config=same_wire)
    todo = list(reversed(keys))
    lock = threading.Lock()
    errors: list[BaseException] = []

    def loop() -> None:
        while True:
            with lock:
                if not todo:
                    return
                key = todo.pop()
            try:
                client.put_object(Bucket=bucket, Key=key, Body=data, ContentType="image/jpeg")
            except Exception as exc:
                errors.append(exc)
                return

    pool = [threading.Thread(target=loop, name=f"bare-put-{i}") for i in range(threads)]
    with Stopwatch(moto.process.pid) as watch:
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    client.close()
    if errors:
        raise BenchError(f"bare put_object failed: {errors[0]}")
    return Run(len(keys), watch.seconds, watch.cpu, watch.other_cpu)


class UploadCounter:
    """The workers' `UploadOutcomes` and their event sink: counts and flags failures."""

    def __init__(self, journal: Journal, expected: int) -> None:
        self.expected = expected
        self.done = 0
        self.failures: list[str] = []
        self._journal = journal
        self._cond = threading.Condition()

    def journal_stored(self, item: UploadItem, location: str, ms: float) -> None:
        self._journal.upload_succeeded(item.shot_id, location, ms)

    def upload_stored(self, _item: UploadItem) -> None:
        with self._cond:
            self.done += 1
            self._cond.notify_all()

    def upload_lost(self, item: UploadItem, why: str) -> None:
        with self._cond:
            self.failures.append(f"shot {item.shot_id} lost: {why}")
            self._cond.notify_all()

    def __call__(self, event: Event) -> None:
        if event.name in (events.UPLOAD_FAILED, events.UPLOADS_PAUSED):
            with self._cond:
                self.failures.append(str(event.fields.get("error") or event.fields))
                self._cond.notify_all()

    def wait(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(
                lambda: self.done >= self.expected or bool(self.failures), timeout
            )


@dataclass(frozen=True)
class UserShot:
    tick: int
    uid: int
    sid: str
    utc: str
    key: str


def user_shots(count: int) -> list[UserShot]:
    """`count` shots of 8 users, round by round, named as a session names them; new sids each
    time, so no two runs write the same keys."""
    users = [(1001 + i, new_sid()) for i in range(USERS)]
    shots = []
    for tick in range(count // USERS):
        now = datetime.now(UTC)
        shots += [
            UserShot(tick, uid, sid, utc_digits(now), object_key("bench", sid, CHANNEL, uid, now))
            for uid, sid in users
        ]
    return shots


def spooled_shots(journal: Journal, spool: Spool, data: bytes, count: int) -> list[UploadItem]:
    """`count` shots of 8 users, spooled and journaled as the capture stage leaves them for
    the upload stage."""
    session_id = journal.start_session(
        source="benchmark", storage="s3", callback_url="", settings={}
    )
    items = []
    for shot in user_shots(count):
        path = spool.write(shot.key, data)
        new = NewShot(
            session_id,
            shot.tick,
            shot.sid,
            shot.uid,
            CHANNEL,
            shot.key,
            shot.utc,
            CODE_COMPLETE,
            MSG_COMPLETE,
            size=len(data),
            spool_path=str(path),
        )
        items.append(UploadItem(journal.add_shot(new), shot.key, str(path), len(data)))
    return items


def pipeline_puts(
    moto: MotoServer,
    settings: StorageSettings,
    workdir: Path,
    data: bytes,
    count: int,
    workers: int,
) -> Run:
    """Ours: the shots through UploadQueue -> `workers` Uploaders -> one S3Storage."""
    journal = Journal(workdir / "journal.sqlite3")
    spool = Spool(workdir / "spool")
    items = spooled_shots(journal, spool, data, count)
    storage = make_storage(settings, workdir / "unused", pool=workers * 2)  # as Engine does
    queue = UploadQueue()
    counter = UploadCounter(journal, len(items))
    pool: list[Worker] = []
    for n in range(workers):
        uploader = Uploader(queue, storage, journal, spool, counter, counter)
        pool.append(spawn_thread(f"upload-{n + 1}", uploader))
    try:
        for worker in pool:
            worker.start()
        with Stopwatch(moto.process.pid) as watch:
            for item in items:
                queue.put(item)
            finished = counter.wait(UPLOAD_TIMEOUT_S)
    finally:
        stuck = stop_all(pool, 10.0)
        storage.close()
        journal.close()
    if stuck or not finished or counter.failures:
        raise BenchError(
            f"uploads: {counter.done} of {len(items)} done, failures {counter.failures[:2]},"
            f" stuck {stuck}"
        )
    return Run(len(items), watch.seconds, watch.cpu, watch.other_cpu)


def run(ctx: Context) -> list[Row]:
    count = max(USERS, ctx.scale.s3_puts // USERS * USERS)
    data = encode_jpeg(pattern_frame(), QUALITY)
    workers = DEFAULT_UPLOAD_WORKERS
    with moto_credentials():
        moto = start_moto()
        try:
            return [_measure(ctx, moto, data, count, workers)]
        finally:
            stop_moto(moto)


def _measure(ctx: Context, moto: MotoServer, data: bytes, count: int, workers: int) -> Row:
    settings = _bucket(moto)
    keys = [shot.key for shot in user_shots(count)]
    ours: list[Run] = []
    floor: list[Run] = []
    for rep in range(ctx.scale.reps):
        # Alternate which goes first, so neither always meets a fuller moto.
        for side in ("floor", "ours") if rep % 2 == 0 else ("ours", "floor"):
            if side == "floor":
                floor.append(bare_puts(moto, settings.bucket, keys, data, workers))
            else:
                folder = _fresh(ctx, f"ours{rep}")
                ours.append(pipeline_puts(moto, settings, folder, data, count, workers))
        ctx.log(f"rep {rep + 1}: floor {floor[-1].rate:.1f}/s, ours {ours[-1].rate:.1f}/s")
    notes = [
        f"{count} shots of {len(data) / 1024:.0f} KiB per run, {USERS} users; moto {moto.endpoint}"
        " in its own process",
        f"ours: the engine's default {workers} upload workers, one S3Storage (pool"
        f" {workers * 2}); floor: put_object on {workers} threads sharing one boto3 client,"
        " the same requests on the wire (key names, content type, no optional checksum)",
        f"{len(ours)} run(s) each, alternated, medians shown (ours: "
        + ", ".join(f"{r.rate:.1f}" for r in ours)
        + "; floor: "
        + ", ".join(f"{r.rate:.1f}" for r in floor)
        + ")",
    ]
    ours_cpu = [r.per_shot_ms() for r in ours]
    floor_cpu = [r.per_shot_ms() for r in floor]
    notes.append(
        "CPU per shot, median ms: this process "
        f"{median([c for c, _ in ours_cpu]):.1f} ours vs {median([c for c, _ in floor_cpu]):.1f}"
        f" floor; moto {median([m for _, m in ours_cpu]):.1f} ours vs"
        f" {median([m for _, m in floor_cpu]):.1f} floor (2 cores shared by both processes)"
    )
    if ctx.scale.sweep:
        notes.append(_sweep(ctx, moto, settings, data, count, workers))
    ours_rate, floor_rate = median([r.rate for r in ours]), median([r.rate for r in floor])
    return Row(
        ROW,
        "shots/s",
        ours_rate,
        floor_rate,
        f"ratio >= {GOAL}",
        ours_rate / floor_rate >= GOAL,
        tuple(notes),
    )


def _sweep(
    ctx: Context, moto: MotoServer, settings: StorageSettings, data: bytes, count: int, default: int
) -> str:
    """Is the default worker count the limit? Ours and the floor at other thread counts."""
    parts = []
    for workers in sorted({1, 2, default, default * 2}):
        keys = [shot.key for shot in user_shots(count)]
        bare = bare_puts(moto, settings.bucket, keys, data, workers)
        ours = pipeline_puts(moto, settings, _fresh(ctx, f"sweep{workers}"), data, count, workers)
        parts.append(f"{workers}: ours {ours.rate:.1f}, floor {bare.rate:.1f}")
        ctx.log(f"sweep {parts[-1]}")
    return "shots/s by worker/thread count: " + "; ".join(parts)


def _bucket(moto: MotoServer) -> StorageSettings:
    name = f"shots-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=moto.endpoint, region_name=REGION)
    client.create_bucket(Bucket=name)
    client.close()
    return StorageSettings(kind=StorageKind.S3, endpoint=moto.endpoint, region=REGION, bucket=name)


def _fresh(ctx: Context, name: str) -> Path:
    folder = ctx.workdir / name
    folder.mkdir()
    return folder


BENCH = Bench(
    name="s3",
    title="S3 uploads (moto over HTTP): shots/s with 8 users sharing one pipeline",
    rows=(ROW,),
    run=run,
)
