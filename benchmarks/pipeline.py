"""Capture -> callback latency and shot-schedule accuracy, from one real capture session.

Ours is the engine as the app runs it: `Engine` + `Session` (shots 1 s apart, one user), a fast
in-process source, local storage and the embedded webhook, all on their usual threads.
- latency: from the frame's capture instant (when the source produced it) to the webhook having
  journaled the callback (its `callback_received` event follows the journal commit at once);
- schedule: each shot's `late_ms`, how long after its TickPlan slot it was taken.

The floor runs in the same session, half an interval after each of our shots so the two never
overlap, on the same image:
- latency: `cv2.imencode` at the same quality, the file written durably (write, fsync, rename,
  as LocalStorage does), and one notification POSTed over a new loopback connection (as the
  sender does) to the bare JSON server, timed bare;
- schedule: a bare loop waiting on `threading.Event` until start + k x interval of the
  monotonic clock, the same primitive the capture loop waits on.
"""

from __future__ import annotations

import http.client
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import cv2

from benchmarks.harness import Bench, BenchError, Context, Row, median, percentile, slope
from benchmarks.servers import BareJsonServer
from capture import events
from capture.engine import Engine
from capture.events import Event
from capture.paths import DataDir
from capture.runtime import StopToken, spawn_thread
from capture.settings.model import CaptureSettings, Settings, StorageKind, StorageSettings
from capture.sources.frames import Image
from capture.sources.synthetic import SyntheticSource
from capture.spec.naming import new_request_id, new_sid, object_key, utc_digits
from capture.spec.payload import Notification

INTERVAL_S = 1
QUALITY = 85
WIDTH, HEIGHT = 1280, 720  # the test pattern's size
SOURCE_FPS = 500.0  # a shot's frame is at most 2 ms old when taken
LATENCY_GOAL = 1.5
SCHEDULE_LIMIT_MS = 15.0
DRIFT_LIMIT_MS = 5.0  # fitted trend of lateness over the whole run
ROW_MEDIAN = "capture -> callback, median"
ROW_P95 = "capture -> callback, p95"
ROW_SCHEDULE = "shot schedule, worst of the run"
PROBLEMS = (
    events.TICK_MISSED,
    events.UPLOAD_FAILED,
    events.NOTIFY_FAILED,
    events.CALLBACK_REJECTED,
    events.SPOOL_WARNING,
    events.WARNING,
)


def pattern_frame() -> Image:
    """One frame of the test pattern: what both ours and the floor encode."""
    return SyntheticSource(WIDTH, HEIGHT).render(0, datetime(2026, 1, 1, tzinfo=UTC))


class PacedSource:
    """A fast in-process source: the same pre-rendered frame, produced `fps` times a second.
    Remembers when it produced each frame (the frame's capture instant)."""

    live = True

    def __init__(self, image: Image, fps: float = SOURCE_FPS) -> None:
        self.image = image
        self.nominal_fps = fps
        self.label = f"benchmark source {image.shape[1]}x{image.shape[0]} @ {fps:g} fps"
        self.produced: dict[int, float] = {}
        self._count = 0
        self._due = 0.0

    def open(self) -> None:
        self._due = time.monotonic()

    def read(self) -> Image:
        wait = self._due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._due = max(self._due + 1 / self.nominal_fps, time.monotonic())
        self.produced[self._count] = time.monotonic()
        self._count += 1
        return self.image

    def close(self) -> None:
        """Nothing to release."""


class Recorder:
    """The engine's event sink: when each stage of each shot was reported (monotonic)."""

    STAGES = (events.SHOT_CAPTURED, events.UPLOAD_SUCCEEDED, events.CALLBACK_RECEIVED)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.stamps: dict[str, dict[int, float]] = {name: {} for name in self.STAGES}
        self.frames: dict[int, int] = {}  # shot id -> index of the frame it was taken from
        self.late_ms: dict[int, float] = {}  # tick -> how late after its slot
        self.post_ms: dict[int, float] = {}  # shot id -> the sender's POST round trip
        self.problems: list[str] = []

    def __call__(self, event: Event) -> None:
        now = time.monotonic()
        fields = event.fields
        with self._lock:
            if event.name in self.STAGES and fields.get("shot_id") is not None:
                self.stamps[event.name][int(fields["shot_id"])] = now
            if event.name == events.SHOT_CAPTURED:
                self.frames[int(fields["shot_id"])] = int(fields["frame"])
                self.late_ms[int(fields["tick"])] = float(fields["late_ms"])
            elif event.name == events.NOTIFY_ATTEMPT and fields.get("ok"):
                self.post_ms[int(fields["shot_id"])] = float(fields["ms"])
            elif event.name in PROBLEMS:
                self.problems.append(f"{event.name}: {fields}")


@dataclass
class BareShots:
    """Runnable: the floor. At start + k x interval (+ offset), note how late the wake-up was,
    then encode, write and POST one shot bare, timing each step."""

    image: Image
    folder: Path
    url_host: str
    url_port: int
    body: bytes
    count: int
    start: float
    late_ms: list[float] = field(default_factory=list)
    total_ms: list[float] = field(default_factory=list)
    steps_ms: dict[str, list[float]] = field(
        default_factory=lambda: {"encode": [], "write": [], "POST": []}
    )

    def run(self, stop: StopToken) -> None:
        for k in range(self.count):
            due = self.start + k * INTERVAL_S
            if stop.wait(max(0.0, due - time.monotonic())):
                return
            self.late_ms.append((time.monotonic() - due) * 1000)
            self._shot(k)

    def _shot(self, k: int) -> None:
        t0 = time.perf_counter()
        ok, buf = cv2.imencode(".jpg", self.image, [cv2.IMWRITE_JPEG_QUALITY, QUALITY])
        t1 = time.perf_counter()
        path = self.folder / f"{k}.jpg"
        tmp = self.folder / f"{k}.partial"
        with open(tmp, "wb") as fh:
            fh.write(buf.tobytes())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        t2 = time.perf_counter()
        conn = http.client.HTTPConnection(self.url_host, self.url_port, timeout=5)
        conn.request("POST", "/callback", self.body, {"Content-Type": "application/json"})
        answer = conn.getresponse()
        answer.read()
        conn.close()
        t3 = time.perf_counter()
        if not ok or answer.status != 200:
            raise BenchError(f"floor shot {k}: encode ok={ok}, POST status {answer.status}")
        self.total_ms.append((t3 - t0) * 1000)
        for name, ms in zip(self.steps_ms, ((t1 - t0), (t2 - t1), (t3 - t2)), strict=True):
            self.steps_ms[name].append(ms * 1000)


def _settings(storage_dir: Path) -> Settings:
    return Settings(
        capture=CaptureSettings(source="benchmark", interval=INTERVAL_S, jpeg_quality=QUALITY),
        storage=StorageSettings(kind=StorageKind.LOCAL, directory=str(storage_dir)),
    ).validated()


def _floor_body(url: str) -> bytes:
    sid, now = new_sid(), datetime.now(UTC)
    key = object_key("", sid, "shothook-demo", 1001, now)
    return Notification(
        new_request_id(sid, now), "shothook-demo", 1001, key, utc_digits(now)
    ).encode(url)


def run(ctx: Context) -> list[Row]:
    n = ctx.scale.shots
    image = pattern_frame()
    source = PacedSource(image)
    recorder = Recorder()
    bare_server = BareJsonServer()
    server_worker = spawn_thread("bare-webhook", bare_server)
    server_worker.start()
    engine = Engine(DataDir.resolve(ctx.workdir / "data"), recorder)
    floor_folder = ctx.workdir / "floor"
    floor_folder.mkdir()
    try:
        if not bare_server.ready.wait(10) or not bare_server.port:
            raise BenchError("the bare JSON server did not start")
        engine.use_source(source, already_open=True)
        if engine.slot.wait_newer(-1, 10.0) is None:
            raise BenchError("the benchmark source gave no frame")
        engine.start_webhook("127.0.0.1", 0)
        session = engine.start_session(_settings(ctx.workdir / "storage"), count=n)
        floor = BareShots(
            image,
            floor_folder,
            bare_server.host,
            bare_server.port,
            _floor_body(bare_server.url),
            n,
            time.monotonic() + INTERVAL_S / 2,
        )
        floor_worker = spawn_thread("bare-shots", floor)
        floor_worker.start()
        ctx.log(f"{n} shots, {INTERVAL_S} s apart (~{n * INTERVAL_S} s)")
        done = session.progress.wait_for(
            lambda p: p.capture_done and p.settled, n * INTERVAL_S + 30
        )
        if not floor_worker.join(INTERVAL_S * 2 + 10):
            floor_worker.request_stop()
            floor_worker.join(10)
        if not done:
            raise BenchError(f"the session did not finish: {session.progress.summary()}")
    finally:
        stuck = engine.close()
        server_worker.request_stop()
        server_worker.join(10)
    if stuck:
        raise BenchError(f"engine loops did not stop: {stuck}")
    if recorder.problems:
        raise BenchError(f"the session reported problems: {recorder.problems[:3]}")
    if len(floor.total_ms) != n:
        raise BenchError(f"the floor took {len(floor.total_ms)} of {n} shots")
    return _rows(source, recorder, floor, n)


def _stage(recorder: Recorder, source: PacedSource) -> Callable[[str, str], list[float]]:
    """Milliseconds between two stages for every shot (the first stage may be "frame")."""

    def at(stage: str, shot: int) -> float:
        if stage == "frame":
            return source.produced[recorder.frames[shot]]
        return recorder.stamps[stage][shot]

    def between(a: str, b: str) -> list[float]:
        return [(at(b, s) - at(a, s)) * 1000 for s in sorted(recorder.frames)]

    return between


def _rows(source: PacedSource, recorder: Recorder, floor: BareShots, n: int) -> list[Row]:
    shots = sorted(recorder.frames)
    got = len(recorder.stamps[events.CALLBACK_RECEIVED])
    if len(shots) != n or got != n:
        raise BenchError(f"{len(shots)} shots and {got} callbacks journaled, expected {n} each")
    between = _stage(recorder, source)
    latency = between("frame", events.CALLBACK_RECEIVED)
    stages = {
        "capture (frame age, encode, spool, journal)": between("frame", events.SHOT_CAPTURED),
        "store (queue, local write + fsync, journal)": between(
            events.SHOT_CAPTURED, events.UPLOAD_SUCCEEDED
        ),
        "notify (journal, POST, verify, journal)": between(
            events.UPLOAD_SUCCEEDED, events.CALLBACK_RECEIVED
        ),
    }
    ours_split = "; ".join(f"{name} {median(ms):.1f}" for name, ms in stages.items())
    floor_split = "; ".join(f"{name} {median(ms):.1f}" for name, ms in floor.steps_ms.items())
    med_ratio = median(latency) / median(floor.total_ms)
    latency_notes = (
        f"{n} shots of {WIDTH}x{HEIGHT}, JPEG quality {QUALITY}, local storage, embedded webhook",
        f"ours by stage, median ms: {ours_split}; within notify, the sender's POST round trip"
        f" {median(list(recorder.post_ms.values())):.1f}",
        f"floor by step, median ms: {floor_split}",
        f"ours counts from the frame's capture instant (<= {1000 / SOURCE_FPS:g} ms before the"
        " shot); the floor from the image in hand",
    )
    late = [recorder.late_ms[t] for t in sorted(recorder.late_ms)]
    ours_worst = max(abs(x) for x in late)
    floor_worst = max(abs(x) for x in floor.late_ms)
    ours_trend = slope(late) * (len(late) - 1)
    floor_trend = slope(floor.late_ms) * (len(floor.late_ms) - 1)
    schedule_met = ours_worst <= SCHEDULE_LIMIT_MS and abs(ours_trend) <= DRIFT_LIMIT_MS
    schedule_notes = (
        f"{n} slots {INTERVAL_S} s apart; median lateness ours {median(late):.2f} ms,"
        f" floor {median(floor.late_ms):.2f} ms",
        f"drift (least-squares trend of lateness across the run): ours {ours_trend:+.2f} ms,"
        f" floor {floor_trend:+.2f} ms",
    )
    return [
        Row(
            ROW_MEDIAN,
            "ms",
            median(latency),
            median(floor.total_ms),
            f"ratio <= {LATENCY_GOAL} (~25 ms idle)",
            med_ratio <= LATENCY_GOAL,
            latency_notes,
        ),
        Row(ROW_P95, "ms", percentile(latency, 95), percentile(floor.total_ms, 95), "-", None),
        Row(
            ROW_SCHEDULE,
            "ms",
            ours_worst,
            floor_worst,
            f"every shot <= {SCHEDULE_LIMIT_MS:g} ms late, drift < {DRIFT_LIMIT_MS:g} ms",
            schedule_met,
            schedule_notes,
        ),
    ]


BENCH = Bench(
    name="pipeline",
    title="capture -> callback latency and shot schedule accuracy (one real session)",
    rows=(ROW_MEDIAN, ROW_P95, ROW_SCHEDULE),
    run=run,
)
