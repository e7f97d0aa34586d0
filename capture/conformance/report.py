"""The suite's results written out: a table for the terminal, the JSON report (every exchange
included) and JUnit XML, one testcase per scenario, so a CI system can gate on the webhook."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import TextIO
from xml.etree import ElementTree as ET

from capture.conformance.grading import Grade, Result
from capture.conformance.suite import SuiteReport
from capture.paths import write_atomic

_MARK = {
    Grade.PASS: "pass",
    Grade.WARN: "WARN",
    Grade.FAIL: "FAIL",
    Grade.SKIP: "skip",
    Grade.ERROR: "ERROR",
}
_WIDTH = 100


def line(result: Result) -> str:
    """One row of the table: number, name, grade, seconds, then why (wrapped under it)."""
    head = (
        f"{result.number:>2}  {result.name:<19} {_MARK[result.grade]:<5} {result.seconds:>6.2f} s  "
    )
    body = textwrap.wrap(result.why, _WIDTH - len(head)) or [""]
    pad = " " * len(head)
    return "\n".join([head + body[0], *(pad + more for more in body[1:])])


HEADER = f"{'#':>2}  {'scenario':<19} {'grade':<5} {'time':>8}  why"


def print_footer(report: SuiteReport, out: TextIO) -> None:
    """After the rows: the verdict, and whether the pictures could all be uploaded."""
    print(summary(report), file=out)
    if report.storage_problems:
        print(f"pictures not all uploaded to {report.storage}:", file=out)
        for problem in report.storage_problems:
            print(f"  {problem}", file=out)


def summary(report: SuiteReport) -> str:
    counts = report.counts
    parts = [f"{counts[g]} {g}" for g in Grade if counts[g]]
    verdict = (
        "stopped before the end"
        if report.stopped
        else ("conforms" if report.ok else "does not conform")
    )
    return (
        f"{report.url}: {verdict} ({', '.join(parts) or 'nothing run'}) in {report.seconds:.1f} s"
    )


def write_json(report: SuiteReport, path: Path) -> None:
    text = json.dumps(report.as_json(), indent=2, ensure_ascii=False)
    write_atomic(path, text.encode("utf-8") + b"\n")


def junit(report: SuiteReport) -> ET.Element:
    counts = report.counts
    suite = ET.Element(
        "testsuite",
        name="shothook.conformance",
        tests=str(len(report.results)),
        failures=str(counts[Grade.FAIL]),
        errors=str(counts[Grade.ERROR]),
        skipped=str(counts[Grade.SKIP]),
        time=f"{report.seconds:.3f}",
        timestamp=report.started,
    )
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="url", value=report.url)
    for result in report.results:
        suite.append(_testcase(result))
    root = ET.Element("testsuites", name="shothook", tests=suite.get("tests", "0"))
    root.append(suite)
    return root


def _testcase(result: Result) -> ET.Element:
    case = ET.Element(
        "testcase",
        classname="shothook.conformance",
        name=f"{result.number:02d} {result.name}: {result.title}",
        time=f"{result.seconds:.3f}",
    )
    tags = {Grade.FAIL: "failure", Grade.ERROR: "error", Grade.SKIP: "skipped"}
    if result.grade in tags:
        ET.SubElement(case, tags[result.grade], message=result.why)
    out = ET.SubElement(case, "system-out")
    out.text = f"{result.grade}: {result.why}"
    return case


def write_junit(report: SuiteReport, path: Path) -> None:
    root = junit(report)
    ET.indent(root)
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    write_atomic(path, data + b"\n")
