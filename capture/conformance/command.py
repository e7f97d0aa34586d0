"""`--headless --conformance URL [--junit FILE] [--report-json FILE] [--report FILE.html]
[--scenarios a,b,...] [--burst N] [--sustain RATE,SECONDS]`: the flags checked (a bad one is a
ConfigError naming it, exit 2 before anything is sent), one run of the suite with a line per
scenario as it lands, then the table and the files asked for."""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from capture.conformance import html, report
from capture.conformance.context import Options
from capture.conformance.grading import Result
from capture.conformance.scenarios import NAMES, Scenario
from capture.conformance.shots import Who
from capture.conformance.suite import Plan, SuiteReport, names_of, run
from capture.errors import ConfigError
from capture.runtime import StopToken
from capture.settings.model import Settings
from capture.settings.rules import check_http_url, check_output_file
from capture.storage.base import Storage

BURST_MAX = 10_000
SUSTAIN_RATE_MAX = 10_000.0
SUSTAIN_SECONDS_MAX = 3_600.0
RULE_SCENARIOS = f"names or numbers from 1 to {len(NAMES)}, comma-separated: {', '.join(NAMES)}"
RULE_BURST = f"a whole number of notifications, 1 to {BURST_MAX}"
RULE_SUSTAIN = (
    f"RATE,SECONDS: notifications a second (above 0, at most {SUSTAIN_RATE_MAX:g}) and "
    f"seconds (above 0, at most {SUSTAIN_SECONDS_MAX:g}), such as 20,10"
)


@dataclass(frozen=True)
class Conformance:
    plan: Plan
    junit: Path | None
    json_report: Path | None
    html_report: Path | None = None


def parse(args: argparse.Namespace, settings: Settings) -> Conformance:
    url = check_http_url("--conformance", args.conformance or "", required=True)
    names = _scenarios(args.scenarios)
    options = Options(burst=_burst(args.burst), **_sustain(args.sustain))
    plan = Plan(url, Who.from_settings(settings), names, options)
    junit = check_output_file("--junit", args.junit) if args.junit else None
    json_report = check_output_file("--report-json", args.report_json) if args.report_json else None
    return Conformance(plan, junit, json_report, _html_report(args.report))


def _html_report(text: str | None) -> Path | None:
    if text is None:
        return None
    path = check_output_file("--report", text)
    if path.suffix.lower() != ".html":
        raise ConfigError("report", "a file name ending in .html", text)
    return path


def _scenarios(text: str | None) -> tuple[str, ...]:
    if text is None:
        return NAMES
    try:
        return names_of(text, NAMES)
    except (ValueError, IndexError):
        raise ConfigError("--scenarios", RULE_SCENARIOS, text) from None


def _burst(text: str | None) -> int:
    if text is None:
        return Options.burst
    if not text.strip().isdigit() or not 1 <= int(text) <= BURST_MAX:
        raise ConfigError("--burst", RULE_BURST, text)
    return int(text)


def _sustain(text: str | None) -> dict[str, float]:
    if text is None:
        return {}
    try:
        rate, seconds = (float(part) for part in text.split(","))
    except ValueError:
        raise ConfigError("--sustain", RULE_SUSTAIN, text) from None
    fine = all(math.isfinite(v) for v in (rate, seconds))
    if not fine or not (0 < rate <= SUSTAIN_RATE_MAX and 0 < seconds <= SUSTAIN_SECONDS_MAX):
        raise ConfigError("--sustain", RULE_SUSTAIN, text)
    return {"sustain_rate": rate, "sustain_seconds": seconds}


def execute(
    job: Conformance, storage: Storage | None, stderr: TextIO, stop: StopToken | None = None
) -> SuiteReport:
    """One run: a line per scenario on `stderr` as it lands, then the table and the files."""
    total = len(job.plan.scenarios)
    print(f"conformance of {job.plan.url}: {total} scenario(s)", file=stderr, flush=True)
    if storage is not None:
        print(f"pictures uploaded first to {storage.label}", file=stderr, flush=True)

    print(report.HEADER, file=stderr, flush=True)
    live = stderr.isatty()

    def started(number: int, scenario: Scenario) -> None:
        if live:  # overwritten by the row when the scenario ends
            print(f"{number:>2}  {scenario.name:<19} ...   {scenario.title}", end="", file=stderr)
            stderr.flush()

    def finished(result: Result) -> None:
        print(("\r\x1b[K" if live else "") + report.line(result), file=stderr, flush=True)

    outcome = run(job.plan, storage, on_start=started, on_result=finished, stop=stop, signals=True)
    if live and outcome.stopped:
        print(file=stderr)
    report.print_footer(outcome, stderr)
    return outcome


def write_files(job: Conformance, outcome: SuiteReport, stderr: TextIO) -> bool:
    """The files asked for; False (each failure said, naming its flag) when one could not be
    written."""
    written = True
    files = (
        ("--junit", job.junit, report.write_junit),
        ("--report-json", job.json_report, report.write_json),
        ("--report", job.html_report, html.write_html),
    )
    for flag, path, write in files:
        if path is None:
            continue
        try:
            write(outcome, path)
        except OSError as exc:
            print(f"shothook: {flag}: cannot write {path} ({exc.strerror or exc})", file=stderr)
            written = False
        else:
            print(f"wrote {path}", file=stderr)
    return written
