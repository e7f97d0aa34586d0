"""The load generator's throughput: notifications a second that `--load` gets answered by a
bare local aiohttp server, against `wrk` driving the same server with a POST of the same
size (a Lua script sets method, body and headers). Both use 64 keep-alive connections; --load
is asked for far more than it can send (open-loop, so it sends all it can), and its rate is
the answers over the time from the first send to the last answer (every one a 200 + JSON)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.harness import Bench, BenchError, Context, Row
from benchmarks.servers import BareJsonServer
from capture.load.bodies import BodyMaker, Publisher
from capture.runtime import spawn_thread

ROW = "load generator: notifications/s vs wrk"
GOAL = 0.5
CONNECTIONS = 64
ASKED_RATE = 20_000  # past what one process sends on 2 cores
TIMEOUT_S = 120.0
ROOT = Path(__file__).resolve().parent.parent
_SUMMARY = re.compile(r"load: (\d+) notifications .* in ([\d.]+) s")
_WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")


def _seconds(ctx: Context) -> float:
    return 1.0 if ctx.scale.name == "tiny" else 5.0


def _ours(url: str, seconds: float) -> float:
    done = subprocess.run(
        [sys.executable, "main.py", "--headless", "--load", str(ASKED_RATE),
         "--duration", str(seconds), "--users", str(CONNECTIONS), "--callback-url", url],
        cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
    )  # fmt: skip
    match = _SUMMARY.search(done.stderr)
    # Asked for more than it can send, answers queue past 5 s and it exits 1 for them: only
    # answers that are not 200 + JSON, or lost connections, make the count wrong.
    bad = re.search(r"^errors: .*(status|not JSON|timeout|connection:)", done.stderr, re.M)
    if done.returncode not in (0, 1) or not match or bad:
        raise BenchError(f"--load failed: {done.stderr.strip()[-500:]}")
    return int(match[1]) / float(match[2])


def _lua(url: str, folder: Path) -> Path:
    body = BodyMaker(url, Publisher()).body(0).decode()
    script = folder / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = [==[{body}]==]\n"
        'wrk.headers["Content-Type"] = "application/json;charset=utf-8"\n'
    )
    return script


def _wrk(url: str, seconds: float, folder: Path) -> float:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError("wrk is not installed (Debian's package wrk; .ci/run installs it)")
    done = subprocess.run(
        [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s",
         "-s", str(_lua(url, folder)), url],
        capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
    )  # fmt: skip
    match = _WRK_RATE.search(done.stdout)
    if done.returncode != 0 or not match or "Non-2xx" in done.stdout:
        raise BenchError(f"wrk failed: {(done.stdout + done.stderr).strip()[-500:]}")
    return float(match[1])


def run(ctx: Context) -> list[Row]:
    server = BareJsonServer()
    worker = spawn_thread("bare-webhook", server)
    worker.start()
    try:
        if not server.ready.wait(10.0):
            raise BenchError("the bare webhook did not start")
        seconds = _seconds(ctx)
        ours = _ours(server.url, seconds)
        ctx.log(f"--load: {ours:.0f}/s")
        floor = _wrk(server.url, seconds, ctx.workdir)
        ctx.log(f"wrk: {floor:.0f}/s")
    finally:
        worker.request_stop()
        worker.join(10.0)
    met = ours / floor >= GOAL
    note = f"{CONNECTIONS} connections, {seconds:g} s each, the server in this process"
    return [Row(ROW, "/s", ours, floor, f"ratio >= {GOAL}", met, (note,))]


BENCH = Bench("loadtest", "Load generator against wrk", (ROW,), run)
