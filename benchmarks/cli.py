"""`python -m benchmarks [--quick | --tiny] [--only NAME ...] [--markdown FILE]`

Prints the machine's description, progress while each bench runs (stderr), then the table
(stdout): our figure, the floor's, their ratio and the goal, one line per row. Exit status 0 when
every bench measured (a missed goal is a result, not a failure), 1 when one could not.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import TextIO

from benchmarks import machine
from benchmarks.harness import (
    FULL,
    QUICK,
    SCALES,
    Bench,
    BenchError,
    Context,
    Row,
    Scale,
    checked,
    markdown,
    missing,
    table,
)
from benchmarks.registry import BENCHES


def parse(argv: list[str] | None) -> argparse.Namespace:
    names = [b.name for b in BENCHES]
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    size = p.add_mutually_exclusive_group()
    size.add_argument(
        "--quick",
        action="store_const",
        dest="scale",
        const=QUICK.name,
        help="the same rows, smaller (the soak 30 s)",
    )
    size.add_argument(
        "--tiny", action="store_const", dest="scale", const="tiny", help="smoke test: seconds"
    )
    p.add_argument("--only", nargs="+", choices=names, metavar="NAME", help=f"one of {names}")
    p.add_argument("--markdown", type=Path, help="also write the results as Markdown to FILE")
    p.set_defaults(scale=FULL.name)
    return p.parse_args(argv)


def main(argv: list[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    args = parse(argv)
    scale = SCALES[args.scale]
    benches = [b for b in BENCHES if not args.only or b.name in args.only]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="shothook-bench-") as tmp:
        facts = machine.describe(Path(tmp))
        _header(out, scale, facts)
        rows, failed = _run_all(benches, scale, Path(tmp), err)
    elapsed = time.perf_counter() - started
    print(file=out)
    for line in table(rows):
        print(line, file=out)
    load_after = machine.describe()[-1][1]
    print(f"\n{scale.name} run took {elapsed:.1f} s; load average after: {load_after}", file=out)
    for name, why in failed:
        print(f"FAILED {name}: {why}", file=out)
    if args.markdown:
        _write_markdown(args.markdown, scale, facts, rows, elapsed, load_after)
    return 1 if failed else 0


def _header(out: TextIO, scale: Scale, facts: list[tuple[str, str]]) -> None:
    print(f"ShotHook benchmarks ({scale.name} run)", file=out)
    for name, value in facts:
        print(f"  {name + ':':14} {value}", file=out)
    out.flush()


def _run_all(
    benches: list[Bench], scale: Scale, tmp: Path, err: TextIO
) -> tuple[list[Row], list[tuple[str, str]]]:
    rows: list[Row] = []
    failed: list[tuple[str, str]] = []
    for bench in benches:
        print(f"{bench.name}: {bench.title}", file=err, flush=True)
        workdir = tmp / bench.name
        workdir.mkdir()
        began = time.perf_counter()
        try:
            if why := missing(bench.needs):
                raise BenchError(f"cannot run here: {why}")
            rows += checked(bench, bench.run(Context(scale, workdir, err)))
        except Exception as exc:
            traceback.print_exc(file=err)
            failed.append((bench.name, f"{type(exc).__name__}: {exc}"))
        print(f"  .. {bench.name} took {time.perf_counter() - began:.1f} s", file=err, flush=True)
    return rows, failed


def _write_markdown(
    path: Path,
    scale: Scale,
    facts: list[tuple[str, str]],
    rows: list[Row],
    elapsed: float,
    load_after: str,
) -> None:
    lines = [f"Machine ({scale.name} run, {elapsed:.0f} s; load average after: {load_after}):", ""]
    lines += [f"- {name}: {value}" for name, value in facts]
    lines += ["", *markdown(rows), ""]
    path.write_text("\n".join(lines), encoding="utf-8")
