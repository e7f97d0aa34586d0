"""The suite's results as one self-contained HTML page, to hand to the webhook's owner: the
verdict, a row per scenario with its grade and the sentence saying why, and under each its
facts and first exchanges (request and answer). Inline CSS only: no script, no external URL,
so it opens offline from an e-mail. Every text the webhook sent is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import Any

from capture.conformance.grading import Grade, Result
from capture.conformance.probe import Exchange
from capture.conformance.report import summary
from capture.conformance.suite import SuiteReport
from capture.paths import write_atomic

EXCHANGES_SHOWN = 3  # of a scenario's exchanges, on the page (the JSON report holds every one)
BODY_SHOWN = 2000  # characters of a body shown

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#1f2430}
h1{font-size:21px;margin:0}.meta{color:#4b5563;margin:4px 0 18px}
table.grades{border-collapse:collapse;width:100%}
.grades th,.grades td{border-bottom:1px solid #e5e7eb;padding:6px 8px;text-align:left;
vertical-align:top}.grades th{background:#f3f4f6}
.badge{border-radius:4px;padding:1px 7px;font-weight:600;font-size:12px;color:#fff}
.g-pass{background:#15803d}.g-warn{background:#b45309}.g-fail,.g-error{background:#b91c1c}
.g-skip{background:#6b7280}.verdict-ok{color:#15803d}.verdict-bad{color:#b91c1c}
details{margin:4px 0 10px}summary{cursor:pointer;color:#1e40af}
pre{background:#f9fafb;border:1px solid #e5e7eb;padding:8px;white-space:pre-wrap;
overflow-wrap:anywhere;font:12px ui-monospace,monospace;margin:4px 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:4px 0}
dt{color:#4b5563}dd{margin:0;overflow-wrap:anywhere}
"""


def render(report: SuiteReport) -> str:
    verdict = "verdict-ok" if report.ok else "verdict-bad"
    rows = "".join(_row(result) for result in report.results)
    storage = (
        f"<p>Pictures uploaded to {escape(report.storage)}"
        + "".join(f"<br>not uploaded: {escape(p)}" for p in report.storage_problems)
        + "</p>"
        if report.storage
        else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>ShotHook conformance: {escape(report.url)}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>Conformance of {escape(report.url)}</h1>"
        f'<p class="meta">started {escape(report.started)} · {report.seconds:.1f} s · '
        "graded by the real service's rule: status 200 with a JSON body within 5 s</p>"
        f'<p class="{verdict}"><b>{escape(summary(report))}</b></p>{storage}'
        '<table class="grades"><tr><th>#</th><th>Scenario</th><th>Grade</th><th>Time</th>'
        f"<th>Why</th></tr>{rows}</table></body></html>\n"
    )


def write_html(report: SuiteReport, path: Path) -> None:
    write_atomic(path, render(report).encode("utf-8"))


def _row(result: Result) -> str:
    grade = str(result.grade)
    details = _details(result)
    return (
        f"<tr><td>{result.number}</td><td><b>{escape(result.name)}</b><br>"
        f"{escape(result.title)}</td>"
        f'<td><span class="badge g-{grade}">{escape(_label(result.grade))}</span></td>'
        f"<td>{result.seconds:.2f} s</td><td>{escape(result.why)}{details}</td></tr>"
    )


def _label(grade: Grade) -> str:
    return str(grade).upper() if grade in (Grade.FAIL, Grade.ERROR, Grade.WARN) else str(grade)


def _details(result: Result) -> str:
    if not result.facts and not result.exchanges:
        return ""
    shown = result.exchanges[:EXCHANGES_SHOWN]
    more = len(result.exchanges) - len(shown)
    tail = f"<p>… and {more:,} more exchanges in the JSON report</p>" if more > 0 else ""
    return (
        f"<details><summary>facts and {len(result.exchanges):,} exchange"
        f"{'' if len(result.exchanges) == 1 else 's'}</summary>"
        f"{_facts(result.facts)}{''.join(_exchange(x) for x in shown)}{tail}</details>"
    )


def _facts(facts: dict[str, Any]) -> str:
    if not facts:
        return ""
    items = "".join(
        f"<dt>{escape(str(k))}</dt><dd>{escape(_text(v))}</dd>" for k, v in facts.items()
    )
    return f"<dl>{items}</dl>"


def _text(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _exchange(x: Exchange) -> str:
    answer = f"{x.status}" if x.status is not None else f"no answer: {x.error}"
    verdict = f" — {x.fault}" if x.fault else " — delivered"
    return (
        f"<p>POST {escape(x.url)} → <b>{escape(answer)}</b> in {x.seconds * 1000:.0f} ms"
        f"{escape(verdict)}</p>"
        f"<pre>{escape(_headers(x.request_headers))}\n\n{escape(_body(x.request_body))}</pre>"
        f"<pre>{escape(_headers(x.answer_headers))}\n\n{escape(_body(x.answer_body))}</pre>"
    )


def _headers(pairs: Iterable[tuple[str, str]]) -> str:
    return "\n".join(f"{name}: {value}" for name, value in pairs)


def _body(data: bytes) -> str:
    text = data.decode("utf-8", errors="backslashreplace")
    return text if len(text) <= BODY_SHOWN else text[:BODY_SHOWN] + f"… ({len(data):,} bytes)"
