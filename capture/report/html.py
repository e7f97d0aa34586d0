"""The session report as one self-contained HTML page: inline CSS, inline SVG plots, thumbnails
as data: URIs, no script, no external URL. It opens offline, from an e-mail attachment, with
nothing fetched. Every journaled text is escaped (a callback body is the sender's).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from html import escape
from typing import Any

from capture.journal.reader import RowKind, SessionInfo, StatusGroup, TimelineRow
from capture.report.facts import ReportFacts, ReportRow
from capture.report.plots import all_plots

_CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;
color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.sub{color:#666;margin:0 0 16px}
table{border-collapse:collapse;width:100%}th,td{padding:4px 8px;border-bottom:1px solid #eee;
text-align:left;vertical-align:top;overflow-wrap:anywhere}
table.verdicts{width:auto}th{background:#f6f6f6;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.grade{display:inline-block;min-width:3.5em;text-align:center;border-radius:3px;padding:0 4px;
font-size:12px;font-weight:600;color:#fff}
.pass{background:#27ae60}.fail{background:#c0392b}.warn{background:#e67e22}.info{background:#7f8c8d}
.status-failed{color:#c0392b;font-weight:600}.status-pending{color:#e67e22}
.status-ok{color:#27ae60}.status-foreign{color:#8e44ad}
tr.failed{background:#fdf0ef}td.when{white-space:nowrap}
code{font:12px ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
.counters td,.counters th{width:12%;text-align:right}
.plot svg{max-width:100%;height:auto}.plot{margin:0}
.plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:8px}
img.thumb{width:96px;height:auto;display:block;border:1px solid #ddd}
.small{font-size:12px;color:#555}
"""


def render(facts: ReportFacts) -> str:
    """The whole page."""
    title = (
        f"ShotHook report, {facts.since or 'the start'} to {facts.until or 'now'}"
        if facts.ranged
        else f"ShotHook session {facts.session.id} report"
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">{escape(_sub(facts))} · made {escape(facts.generated_at)}</p>',
        _summary(facts),
        _plots(facts),
        _shots(facts),
        _sessions(facts),
        _settings(facts),
        _versions(facts),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _sub(facts: ReportFacts) -> str:
    if facts.ranged:
        ids = ", ".join(str(s.info.id) for s in facts.sessions) or "none"
        return f"every row of the journal in this time range; sessions {ids}"
    s = facts.sessions[-1]
    return f"{_span(s.info)} · source {s.source} · storage {s.storage}"


def _span(s: SessionInfo) -> str:
    return f"from {s.started_at} to {s.stopped_at}" if s.stopped_at else f"from {s.started_at}"


def _summary(facts: ReportFacts) -> str:
    c = facts.counters
    verdicts = "".join(
        f'<tr><td><span class="grade {grade}">{grade}</span></td><td>{escape(text)}</td></tr>'
        for grade, text in facts.verdicts
    )
    counts = (
        ("shots", c.shots),
        ("stored", c.uploaded),
        ("notified", c.notified),
        ("callbacks", c.callbacks),
        ("failed", c.failures),
        ("pending", c.pending),
        ("rows", c.rows),
    )
    head = "".join(f"<th>{name}</th>" for name, _ in counts)
    cells = "".join(f'<td class="num">{value:,}</td>' for _, value in counts)
    return (
        f'<h2>Summary</h2><table class="verdicts">{verdicts}</table>'
        f'<table class="counters"><tr>{head}</tr><tr>{cells}</tr></table>'
    )


def _plots(facts: ReportFacts) -> str:
    plots = all_plots(facts.points)
    if not plots:
        return "<h2>Plots</h2><p>No shot in this session: nothing to plot.</p>"
    body = "".join(
        f'<figure class="plot" aria-label="{escape(title)}">{svg}</figure>' for title, svg in plots
    )
    return f'<h2>Plots</h2><div class="plots">{body}</div>'


def _shots(facts: ReportFacts) -> str:
    shown = len(facts.rows)
    note = (
        f'<p class="small">The newest {shown:,} of {facts.total_rows:,} rows.</p>'
        if shown < facts.total_rows
        else ""
    )
    head = (
        "<tr><th>thumbnail</th><th>captured (UTC)</th><th>status</th><th>object key</th>"
        "<th>upload</th><th>attempts</th><th>callback</th></tr>"
    )
    rows = "".join(_shot_row(r) for r in facts.rows)
    return f'<h2>Shots (failures first)</h2>{note}<table class="shots">{head}{rows}</table>'


def _shot_row(item: ReportRow) -> str:
    row = item.row
    group = row.status.group
    thumb = (
        f'<img class="thumb" alt="shot {row.id}" src="data:image/jpeg;base64,'
        f'{base64.b64encode(item.thumbnail).decode("ascii")}">'
        if item.thumbnail
        else ""
    )
    css = ' class="failed"' if group is StatusGroup.FAILED else ""
    kind = "" if row.kind is RowKind.SHOT else " (callback matching no shot)"
    return (
        f'<tr{css}><td>{thumb}</td><td class="when">{row.when.strftime("%Y-%m-%d")}<br>'
        f"{row.when.strftime('%H:%M:%S.%f')[:-3]}</td>"
        f'<td><span class="status-{group.value}">{escape(row.status.value)}</span>{kind}'
        f'<div class="small">{escape(row.summary)}</div></td>'
        f"<td><code>{escape(row.object_key)}</code>"
        f'<div class="small">{escape(row.request_id)}</div></td>'
        f"<td>{escape(upload_words(row))}</td><td>{_lines(attempt_words(row))}</td>"
        f"<td>{_lines(callback_words(row))}</td></tr>"
    )


def upload_words(row: TimelineRow) -> str:
    if row.upload_state is None:
        return ""
    done = f", {row.upload_ms:.0f} ms" if row.upload_ms is not None else ""
    tries = f", {row.upload_tries} tries" if row.upload_tries > 1 else ""
    size = f"{row.size:,} bytes, " if row.size else ""
    error = f": {row.upload_error}" if row.upload_error else ""
    return f"{size}{row.upload_state.value}{done}{tries}{error}"


def attempt_words(row: TimelineRow) -> list[str]:
    out = []
    for a in row.attempts:
        answer = str(a.status) if a.status is not None else "no answer"
        verdict = "ok" if a.ok else f"failed: {a.error}" if a.error else "failed"
        out.append(f"#{a.attempt} {answer} in {a.ms:.0f} ms, {verdict}")
    for r in row.resends:
        out.append(f"resent {r.at}: {'delivered' if r.delivered else 'not delivered'} {r.note}")
    return out


def callback_words(row: TimelineRow) -> list[str]:
    out = []
    for c in row.callbacks:
        check = {True: "checksum ok", False: "checksum BAD", None: "no checksum"}[c.checksum_ok]
        out.append(f"delivery {c.delivery}: {check}, answered {c.answered}; {c.verdict}")
    return out


def _lines(lines: Iterable[str]) -> str:
    return "<br>".join(escape(line) for line in lines)


def _sessions(facts: ReportFacts) -> str:
    head = (
        "<tr><th>session</th><th>started</th><th>stopped</th><th>source</th><th>storage</th>"
        "<th>notifications went to</th></tr>"
    )
    rows = "".join(
        f"<tr><td>{s.info.id}</td><td>{escape(s.info.started_at)}</td>"
        f"<td>{escape(s.info.stopped_at or 'still running')}</td><td>{escape(s.source)}</td>"
        f"<td>{escape(s.storage)}</td><td><code>{escape(s.callback_url)}</code></td></tr>"
        for s in facts.sessions
    )
    return f"<h2>Sessions</h2><table>{head}{rows}</table>"


def _settings(facts: ReportFacts) -> str:
    tables = "".join(
        (f"<h3>Session {s.info.id}</h3>" if len(facts.sessions) > 1 else "")
        + _settings_table(s.settings)
        for s in facts.sessions
    )
    return (
        '<h2>Settings used</h2><p class="small">As each session journaled them; the S3 secret '
        f"key is never journaled, and URLs are shown without credentials.</p>{tables}"
    )


def _settings_table(settings: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{escape(group)}</td><td>{escape(name)}</td><td><code>{escape(str(value))}"
        "</code></td></tr>"
        for group, values in settings.items()
        for name, value in (values.items() if isinstance(values, dict) else [("", values)])
    )
    return f"<table><tr><th>group</th><th>setting</th><th>value</th></tr>{rows}</table>"


def _versions(facts: ReportFacts) -> str:
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{escape(version)}</td></tr>"
        for name, version in facts.versions.items()
    )
    return f"<h2>Versions</h2><table><tr><th>part</th><th>version</th></tr>{rows}</table>"
