"""Start-up: process start to the first preview frame painted, `main.py` as a user starts it.

Ours: `python main.py --data-dir NEW --webhook-port 0` on Qt's offscreen platform, with
`SHOTHOOK_EXIT_AFTER_FIRST_FRAME` set: when the preview paints its first frame, the window prints
the instant (Unix time) and closes. Timed from just before the process is started. The floor:
`python -c "import PySide6.QtWidgets"`, start to exit, alternated with ours in the same run.

Python's bytecode cache is on for both (`benchmarks.child.bytecode_env`, shared with the other
window benches and kept between runs), filled before the timed runs: a user's second start.
When it does not exist yet, one untimed run of each fills it, and its figures are noted.
"""

from __future__ import annotations

import subprocess
import sys
import time

from benchmarks.child import ROOT, bytecode_env, pycache
from benchmarks.harness import Bench, BenchError, Context, Row, median

FIRST_FRAME_ENV = "SHOTHOOK_EXIT_AFTER_FIRST_FRAME"  # gui/app.py's (not imported: no Qt here)
GOAL_S = 1.5
ROW = "start-up: process start to first preview frame"
RUN_TIMEOUT_S = 60.0
FLOOR_CODE = "import PySide6.QtWidgets"


def env() -> dict[str, str]:
    out = bytecode_env()
    out["QT_QPA_PLATFORM"] = "offscreen"
    out[FIRST_FRAME_ENV] = "1"
    return out


def ours(ctx: Context, n: int) -> float:
    """Seconds from starting `main.py` to its first preview frame painted."""
    data = ctx.workdir / f"data{n}"
    cmd = [sys.executable, "main.py", "--data-dir", str(data), "--webhook-port", "0"]
    started = time.time()
    done = subprocess.run(
        cmd,
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    stamps = [
        float(line.rsplit(" ", 1)[1])
        for line in done.stdout.splitlines()
        if line.startswith("first frame painted at ")
    ]
    if done.returncode != 0 or not stamps:
        raise BenchError(f"main.py exited {done.returncode} without a first frame: {done.stderr}")
    return stamps[0] - started


def floor(ctx: Context) -> float:
    """Seconds from starting `python -c "import PySide6.QtWidgets"` to its exit."""
    started = time.time()
    subprocess.run([sys.executable, "-c", FLOOR_CODE], env=env(), check=True, timeout=RUN_TIMEOUT_S)
    return time.time() - started


def run(ctx: Context) -> list[Row]:
    first = ""
    if not pycache().exists():  # no window has run on this machine: fill the cache, untimed
        first_ours, first_floor = ours(ctx, 0), floor(ctx)
        first = (
            f"; the first runs, compiling it: ours {first_ours:.2f} s, floor {first_floor:.2f} s"
        )
        ctx.log(f"first runs (compiling bytecode){first}")
    mine: list[float] = []
    bare: list[float] = []
    for rep in range(ctx.scale.startup_reps):
        for side in ("floor", "ours") if rep % 2 == 0 else ("ours", "floor"):
            if side == "floor":
                bare.append(floor(ctx))
            else:
                mine.append(ours(ctx, rep + 1))
        ctx.log(f"rep {rep + 1}: ours {mine[-1]:.2f} s, floor {bare[-1]:.2f} s")
    ours_s, floor_s = median(mine), median(bare)
    return [
        Row(
            ROW,
            "s",
            ours_s,
            floor_s,
            f"<= {GOAL_S:g} s",
            ours_s <= GOAL_S,
            (
                f"ours: python main.py --data-dir NEW --webhook-port 0, offscreen, to the first"
                f" frame painted (source auto: the test pattern without a camera); floor:"
                f' python -c "{FLOOR_CODE}", start to exit',
                f"{len(mine)} run(s) each, alternated, medians shown (ours: "
                + ", ".join(f"{s:.2f}" for s in mine)
                + "; floor: "
                + ", ".join(f"{s:.2f}" for s in bare)
                + f"); bytecode cached{first}",
            ),
        )
    ]


BENCH = Bench(
    name="startup",
    title="start-up: main.py to the first preview frame painted",
    rows=(ROW,),
    run=run,
    needs="gui",
)
