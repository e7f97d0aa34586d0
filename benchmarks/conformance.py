"""The conformance suite's length: all 12 scenarios with their defaults (50 at once, 20/s for
10 s) against a correct webhook (ShotHook's own, `--webhook-only` refusing bad checksums, in
its own process), against the floor of the sustained scenario alone, whose 10 s no suite can
go under. Goal: the whole suite under 30 s."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from benchmarks.harness import Bench, BenchError, Context, Row
from tests.support.servers import free_port, wait_for_port

ROW = "conformance suite: all scenarios vs sustained alone"
GOAL_S = 30.0
TIMEOUT_S = 120.0
ROOT = Path(__file__).resolve().parent.parent
_SUMMARY = re.compile(r": conforms \(.*\) in ([\d.]+) s")


def _load_flags(ctx: Context) -> list[str]:
    return ["--burst", "10", "--sustain", "20,1"] if ctx.scale.name == "tiny" else []


def _suite(url: str, flags: list[str], folder: Path) -> float:
    done = subprocess.run(
        [sys.executable, "main.py", "--headless", "--conformance", url, "--data-dir",
         str(folder), *flags],
        cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
    )  # fmt: skip
    match = _SUMMARY.search(done.stderr)
    if done.returncode != 0 or not match:
        raise BenchError(f"the suite did not pass: {done.stderr.strip()[-800:]}")
    return float(match[1])


def run(ctx: Context) -> list[Row]:
    port = free_port()
    webhook = subprocess.Popen(
        [sys.executable, "main.py", "--headless", "--webhook-only", "--webhook-port", str(port),
         "--webhook-reject-bad-checksum", "--data-dir", str(ctx.workdir / "webhook")],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        if not wait_for_port(port, 30.0):
            raise BenchError("the webhook did not start")
        url = f"http://127.0.0.1:{port}/callback"
        flags = _load_flags(ctx)
        floor = _suite(url, [*flags, "--scenarios", "sustained"], ctx.workdir / "floor")
        ours = _suite(url, flags, ctx.workdir / "ours")
        ctx.log(f"suite {ours:.1f} s, sustained alone {floor:.1f} s")
    finally:
        webhook.terminate()
        webhook.wait(30)
    note = "defaults: 50 at once, 20/s for 10 s" if not flags else "tiny: 10 at once, 20/s for 1 s"
    return [Row(ROW, "s", ours, floor, f"ours <= {GOAL_S:g} s", ours <= GOAL_S, (note,))]


BENCH = Bench("conformance", "The conformance suite's length", (ROW,), run)
