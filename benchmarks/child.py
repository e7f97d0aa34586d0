"""The window benches' child processes: how one is run and how it reports.

A bench with `needs="gui"` runs `python -m MODULE MODE --data-dir DIR ...` on Qt's offscreen
platform (`run_child`); the child measures, prints one line `RESULT {json}` (`report`) and
exits. This module imports no Qt, so the benchmark's own process stays Qt-free.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from benchmarks.harness import BenchError, Context

ROOT = Path(__file__).resolve().parent.parent
RESULT = "RESULT "
CHILD_TIMEOUT_S = 600.0


def bytecode_env() -> dict[str, str]:
    """Python's bytecode cache on, in a folder of its own under the system's temporary folder
    (`PYTHONPYCACHEPREFIX`), kept from run to run as a user's `__pycache__` folders are, and
    nothing written into the tree. The first run on a machine fills it; the start-up row then
    measures a user's second start. (This machine's environment sets PYTHONDONTWRITEBYTECODE:
    without a cache every start compiles every module again, 1.5 to 3 s more.)"""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache())
    return env


def pycache() -> Path:
    return Path(tempfile.gettempdir()) / "shothook-bench-pycache"


def child_env() -> dict[str, str]:
    """The child's environment: offscreen, no real keyring, moto-style test credentials (the
    stalling endpoint checks none), nothing from this machine's AWS files."""
    env = bytecode_env()
    env.update(
        QT_QPA_PLATFORM="offscreen",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    return env


def report(result: dict[str, Any]) -> None:
    """The child's side: its one result line."""
    print(RESULT + json.dumps(result), flush=True)


def run_child(
    ctx: Context,
    module: str,
    mode: str,
    args: list[str],
    on_result: Callable[[], None] = lambda: None,
) -> dict[str, Any]:
    """`python -m MODULE MODE --data-dir DIR ...`; its RESULT, once it has exited.
    `on_result` runs as soon as the result is printed (before the child closes its window)."""
    data = ctx.workdir / f"{mode}-data"
    cmd = [sys.executable, "-m", module, mode, "--data-dir", str(data), *args]
    child = subprocess.Popen(
        cmd, cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    errors: list[str] = []
    drain = threading.Thread(target=_collect, args=(child.stderr, errors), daemon=True)
    drain.start()
    result: dict[str, Any] | None = None
    assert child.stdout is not None
    began = time.perf_counter()
    reported = 0.0
    for line in child.stdout:
        if line.startswith(RESULT):
            reported = time.perf_counter()
            result = json.loads(line[len(RESULT) :])
            on_result()
    try:
        code = child.wait(CHILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        raise BenchError(f"the {mode} window did not exit") from None
    drain.join(5)
    ended = time.perf_counter()
    if result is not None:
        ctx.log(
            f"the {mode} window: {reported - began:.1f} s to its result, then"
            f" {ended - reported:.1f} s to close"
        )
    if code != 0 or result is None:
        tail = "".join(e for e in errors if "propagateSizeHints" not in e)[-2000:]
        raise BenchError(f"the {mode} window exited {code} without a result:\n{tail}")
    return result


def _collect(stream: IO[str] | None, into: list[str]) -> None:
    if stream is not None:
        into.extend(stream)
