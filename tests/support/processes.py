"""`main.py` as a subprocess, with its output read on threads a test can wait on."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.support.waits import JOIN_S

ROOT = Path(__file__).resolve().parents[2]


class LineReader:
    """Reads a subprocess's stream on a thread, so a test can wait for a line with a timeout."""

    def __init__(self, stream: Any) -> None:
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream,), name="line-reader")
        self._thread.start()

    def _read(self, stream: Any) -> None:
        for line in stream:
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self.lines.append("")  # EOF marker
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[list[str]], bool], timeout: float, what: str) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(self.lines), timeout):
                tail = "".join(self.lines[-20:])
                raise AssertionError(f"timed out waiting for {what}; output so far:\n{tail}")

    def join(self) -> str:
        self._thread.join(JOIN_S)
        return "".join(self.lines)


def json_lines(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines if line.startswith("{")]


@contextlib.contextmanager
def headless_process(args: list[str], env: dict[str, str] | None = None) -> Iterator[Any]:
    """`main.py --headless ARGS` as a subprocess with stdout/stderr readers; killed if the test
    leaves it running."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--headless", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    process.out = LineReader(process.stdout)  # type: ignore[attr-defined]
    process.err = LineReader(process.stderr)  # type: ignore[attr-defined]
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(JOIN_S)
        process.out.join()  # type: ignore[attr-defined]
        process.err.join()  # type: ignore[attr-defined]
