"""The benchmark harness runs end to end (`--tiny`) and prints a ratio line for every row,
the window's rows (`needs="gui"`, run in child processes on Qt's offscreen platform) included.

No timing is asserted: the figures are printed for people to read; this only checks that each
measurement still runs and reports itself.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from benchmarks.registry import BENCHES

ROOT = Path(__file__).resolve().parents[2]
RATIO = re.compile(r"ratio \d+\.\d+x floor")


def test_every_row_prints_its_ratio(tmp_path: Path) -> None:
    markdown = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--tiny", "--markdown", str(markdown)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for name in (row for bench in BENCHES for row in bench.rows):
        printed = [line for line in lines if line.startswith(name)]
        assert len(printed) == 1, f"{name!r} printed {len(printed)} times:\n{done.stdout}"
        assert RATIO.search(printed[0]), printed[0]
        assert printed[0].rstrip().endswith(("met", "MISSED", "-")), printed[0]
    facts = "\n".join(lines[:12])
    for fact in ("CPU:", "cores:", "RAM:", "OS:", "Python:", "libraries:"):
        assert fact in facts
    text = markdown.read_text(encoding="utf-8")
    assert all(f"| {row} |" in text for bench in BENCHES for row in bench.rows)


def test_the_quick_and_full_runs_measure_more_than_the_smoke_test() -> None:
    from benchmarks.harness import FULL, QUICK, TINY

    for bigger in (QUICK, FULL):
        assert bigger.shots > TINY.shots
        assert bigger.s3_puts > TINY.s3_puts
        assert bigger.webhook_requests > TINY.webhook_requests
        assert bigger.preview_seconds > TINY.preview_seconds
        assert bigger.memory_shots > TINY.memory_shots
        assert bigger.timeline_shots > TINY.timeline_shots
        assert bigger.repaints > TINY.repaints
    assert FULL.timeline_shots >= 10_000  # the timeline's rows are stated over 10,000 shots
    assert FULL.shots >= 30  # the schedule goal is stated over 30 shots
    assert FULL.memory_shots >= 5_000  # the memory goal is stated over 5,000 shots
    assert TINY.memory_shots > 100  # the memory floor is taken after the first 100


def test_the_window_rows_need_the_gui_and_the_harness_knows_that_need() -> None:
    from benchmarks.harness import missing

    needs = {bench.name: bench.needs for bench in BENCHES}
    gui = ("preview", "preview-plot", "memory", "timeline", "repaint", "startup")
    assert all(needs[name] == "gui" for name in gui), needs
    assert missing("engine") == ""
    assert missing("gui") == ""  # PySide6 is a dependency
    assert "unknown" in missing("a printer")


def test_the_benchmark_process_stays_free_of_qt() -> None:
    """The window runs in child processes; the harness itself never imports Qt."""
    code = (
        "import sys, benchmarks.cli\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
