"""What a session report says, gathered from the journal once: the session, its verdicts, its
settings (as journaled: never the secret key, URLs without their user:password), the versions
of the app and its libraries, and each row (shot or callback matching none) with its thumbnail
and its stages. The HTML page and its JSON twin are both made from one `ReportFacts`, so they
cannot disagree.

It only reads (the journal's read-only readers: `JournalAudit` resolves the session and holds
its settings, `TimelineReader` its rows, counters, thumbnails and times), so it runs beside a
writing engine.
"""

from __future__ import annotations

import math
import platform
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from capture.errors import ConfigError
from capture.journal import states
from capture.journal.audit import JournalAudit
from capture.journal.exchanges import REDACTED
from capture.journal.query import Query
from capture.journal.reader import (
    Counters,
    RowKind,
    SessionInfo,
    Status,
    StatusGroup,
    TimelineReader,
    TimelineRow,
)
from capture.report.stages import Point, point
from capture.spec.naming import iso

MAX_ROWS = 2000  # the newest rows a report holds (thumbnails inline: about 5 KB each)
LIBRARIES = (
    "aiohttp",
    "boto3",
    "botocore",
    "numpy",
    "opencv-python-headless",
    "PySide6-Essentials",
    "pyqtgraph",
    "matplotlib",
    "platformdirs",
    "keyring",
)
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
_SECRET_NAMES = ("secret", "password", "token", "authorization")
# Failures first, then what is still under way, then the rest, as a support engineer reads it.
_GROUP_ORDER = {StatusGroup.FAILED: 0, StatusGroup.PENDING: 1, StatusGroup.FOREIGN: 2}


@dataclass(frozen=True)
class ReportRow:
    row: TimelineRow
    thumbnail: bytes | None  # the journal's JPEG thumbnail
    stages: Point | None  # None for a callback matching no shot

    @property
    def failed(self) -> bool:
        return self.row.status.group is StatusGroup.FAILED


@dataclass(frozen=True)
class SessionFacts:
    """One session a report covers, as it journaled itself."""

    info: SessionInfo
    source: str
    storage: str
    callback_url: str
    settings: dict[str, Any]  # redacted


@dataclass(frozen=True)
class ReportFacts:
    sessions: list[SessionFacts]  # oldest first; one for a session's report
    since: str  # a time range's bounds (ISO), '' for a session's report
    until: str
    counters: Counters
    versions: dict[str, str]
    generated_at: str
    rows: list[ReportRow]  # failures first, then pending, foreign, done; oldest first in each
    total_rows: int  # in the session or range (rows holds the newest MAX_ROWS of them)
    verdicts: list[tuple[str, str]] = field(default_factory=list)  # (grade, sentence)

    @property
    def session(self) -> SessionInfo:
        """The newest session covered (a session's report: its session)."""
        return self.sessions[-1].info

    @property
    def ranged(self) -> bool:
        return bool(self.since or self.until)

    @property
    def scope(self) -> str:
        """What the report covers, in words: "session 3", or a time range and its sessions."""
        if not self.ranged:
            return f"session {self.session.id}"
        ids = ", ".join(str(s.info.id) for s in self.sessions) or "none"
        return f"{self.since or 'the start'} to {self.until or 'now'} (sessions {ids})"

    @property
    def points(self) -> list[Point]:
        """Each shot's stages, by shot id (as the plots draw them)."""
        found = [r.stages for r in self.rows if r.stages is not None]
        return sorted(found, key=lambda p: p.shot_id)

    @property
    def ok(self) -> bool:
        return all(grade != "fail" for grade, _ in self.verdicts)


def gather(
    journal: Path,
    ref: str | int,
    limit: int = MAX_ROWS,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ReportFacts:
    """The facts of session `ref` (an id or `last`), or with `since` or `until`, of the rows
    captured in [since, until) whatever their session; a ConfigError naming --session when the
    journal has no such session (or no journal is there), --since when the range holds
    nothing."""
    if since is not None or until is not None:
        return _gather_range(journal, limit, since, until)
    audit = JournalAudit(journal)
    try:
        chosen = audit.session(ref)
    finally:
        audit.close()
    reader = TimelineReader(journal)
    try:
        info = next(s for s in reader.sessions() if s.id == chosen.id)
        rows = _rows(reader, Query(session_id=chosen.id), limit)
    finally:
        reader.close()
    session = SessionFacts(
        info=info,
        source=chosen.source,
        storage=without_credentials(chosen.storage_label),
        callback_url=without_credentials(chosen.callback_url),
        settings=redact_settings(chosen.settings),
    )
    facts = ReportFacts(
        sessions=[session],
        since="",
        until="",
        counters=info.counters,
        versions=versions(),
        generated_at=iso(datetime.now(UTC)),
        rows=rows,
        total_rows=info.counters.rows,
    )
    return _with_verdicts(facts)


def _gather_range(
    journal: Path, limit: int, since: datetime | None, until: datetime | None
) -> ReportFacts:
    """Every row captured (a callback matching no shot: received) in [since, until), and the
    sessions that ran then."""
    query = Query(since=since, until=until)
    low, high = iso(since) if since else "", iso(until) if until else ""
    reader = TimelineReader(journal) if journal.is_file() else None
    if reader is None:
        raise ConfigError("session", f"no journal at {journal}: no session was recorded there")
    try:
        rows = _rows(reader, query, limit)
        total = reader.matching(query)
        owners = {r.row.session_id for r in rows}
        infos = [  # the sessions running then, and those of its rows (a frame may be older)
            s
            for s in reversed(reader.sessions())
            if s.id in owners
            or ((not high or s.started_at < high) and (not low or (s.stopped_at or "9") > low))
        ]
    finally:
        reader.close()
    if not rows and not infos:
        raise ConfigError("since", "a time range holding rows or sessions of the journal")
    audit = JournalAudit(journal)
    try:
        sessions = [_session_facts(audit, info) for info in infos]
    finally:
        audit.close()
    facts = ReportFacts(
        sessions=sessions,
        since=low,
        until=high,
        counters=_counted([r.row for r in rows]),
        versions=versions(),
        generated_at=iso(datetime.now(UTC)),
        rows=rows,
        total_rows=total,
    )
    return _with_verdicts(facts)


def _session_facts(audit: JournalAudit, info: SessionInfo) -> SessionFacts:
    chosen = audit.session(info.id)
    return SessionFacts(
        info=info,
        source=chosen.source,
        storage=without_credentials(chosen.storage_label),
        callback_url=without_credentials(chosen.callback_url),
        settings=redact_settings(chosen.settings),
    )


def _rows(reader: TimelineReader, query: Query, limit: int) -> list[ReportRow]:
    """The newest `limit` rows `query` finds, each with its thumbnail and stages, failures
    first."""
    batch = reader.newest(limit, query=query)
    sessions = {r.session_id for r in batch.rows if r.session_id is not None}
    times = {t.id: point(t) for sid in sessions for t in reader.times_of_session(sid)}
    rows = [
        ReportRow(
            row,
            reader.thumbnail(row.id) if row.has_thumbnail else None,
            times.get(row.id) if row.kind is RowKind.SHOT else None,
        )
        for row in batch.rows
    ]
    rows.sort(key=lambda r: (_GROUP_ORDER.get(r.row.status.group, 3), r.row.when, r.row.id))
    return rows


def _counted(rows: list[TimelineRow]) -> Counters:
    """The reader's counters, for rows of a time range: by the same predicates."""
    shots = [r for r in rows if r.kind is RowKind.SHOT]

    def count(predicate: states.Predicate) -> int:
        return sum(1 for r in shots if predicate.holds(r))

    return Counters(
        shots=count(states.COMPLETE),
        uploaded=count(states.UPLOADED),
        notified=count(states.DELIVERED),
        callbacks=sum(len(r.callbacks) for r in rows),
        failures=count(states.FAILED),
        pending=count(states.PENDING),
        rows=len(rows),
    )


def without_credentials(text: str) -> str:
    """`text` with the `user:password@` of any URL in it replaced."""
    return _USERINFO.sub(f"{REDACTED}@", text)


def redact_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Journaled settings hold no secret (Settings.to_public_dict); any field still named
    like one (an older or hand-edited journal) is replaced, and URLs lose their credentials."""
    out: dict[str, Any] = {}
    for name, value in settings.items():
        if isinstance(value, dict):
            out[name] = redact_settings(value)
        elif any(word in name.lower() for word in _SECRET_NAMES):
            out[name] = REDACTED if value else value
        elif isinstance(value, str):
            out[name] = without_credentials(value)
        else:
            out[name] = value
    return out


def versions() -> dict[str, str]:
    """ShotHook's version, Python's, SQLite's and each library's (installed or not)."""
    found = {"ShotHook": _version("shothook", _pyproject_version())}
    found["Python"] = platform.python_version()
    found["SQLite"] = sqlite3.sqlite_version
    found["OS"] = f"{platform.system()} {platform.release()} ({platform.machine()})"
    for name in LIBRARIES:
        found[name] = _version(name, "not installed")
    return found


def _version(name: str, default: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return default


def _pyproject_version() -> str:
    """The version in the checkout's pyproject.toml (the app runs from its checkout)."""
    try:
        text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text("utf-8")
    except OSError:
        return "unknown"
    found = re.search(r'^version\s*=\s*"([^"]+)"', text, re.MULTILINE)
    return found.group(1) if found else "unknown"


def _with_verdicts(facts: ReportFacts) -> ReportFacts:
    c = facts.counters
    verdicts: list[tuple[str, str]] = []
    shots = [r for r in facts.rows if r.row.kind is RowKind.SHOT]
    no_shot = sum(1 for r in shots if r.row.status is Status.NO_SHOT)
    if c.failures:
        verdicts.append(("fail", f"{c.failures} of {c.rows} rows failed (listed first)"))
    else:
        verdicts.append(("pass", f"no failure in {c.rows} rows"))
    if no_shot:
        verdicts.append(("fail", f"{no_shot} interval(s) had no shot (206)"))
    if c.pending:
        verdicts.append(("warn", f"{c.pending} shot(s) still under way when the report was made"))
    verdicts.append(
        ("pass" if c.uploaded == c.shots else "fail", f"{c.uploaded} of {c.shots} shots stored")
    )
    verdicts.append(
        ("pass" if c.notified == c.shots else "fail", f"{c.notified} of {c.shots} notified")
    )
    retried = sum(1 for p in facts.points if p.attempts > 1)
    if retried:
        verdicts.append(("warn", f"{retried} notification(s) needed more than one attempt"))
    totals = sorted(p.total_ms for p in facts.points if not math.isnan(p.total_ms))
    if totals:
        median = totals[len(totals) // 2]
        verdicts.append(
            ("info", f"capture to callback: median {median:.0f} ms, slowest {totals[-1]:.0f} ms")
        )
    late = [p.late_ms for p in facts.points if not math.isnan(p.late_ms)]
    if late:
        verdicts.append(("info", f"schedule lateness: at most {max(late):.1f} ms"))
    return ReportFacts(**{**facts.__dict__, "verdicts": verdicts})


def to_json(facts: ReportFacts) -> dict[str, Any]:
    """The JSON twin: the same facts as the page (thumbnails aside: `thumbnail` says whether
    the page shows one), numbers where the page has numbers, NaN as null."""
    sessions = [_session_json(x) for x in facts.sessions]
    return {
        "scope": facts.scope,
        "session": None if facts.ranged else sessions[-1],
        "range": {"since": facts.since or None, "until": facts.until or None}
        if facts.ranged
        else None,
        "sessions": sessions,
        "generated_at": facts.generated_at,
        "ok": facts.ok,
        "verdicts": [{"grade": g, "text": t} for g, t in facts.verdicts],
        "counters": {k: v for k, v in facts.counters.__dict__.items() if isinstance(v, int)},
        "versions": facts.versions,
        "rows_total": facts.total_rows,
        "rows": [_row_json(r) for r in facts.rows],
    }


def _session_json(session: SessionFacts) -> dict[str, Any]:
    s = session.info
    return {
        "id": s.id,
        "started_at": s.started_at,
        "stopped_at": s.stopped_at or None,
        "source": session.source,
        "storage": session.storage,
        "callback_url": session.callback_url,
        "settings": session.settings,
    }


def _row_json(item: ReportRow) -> dict[str, Any]:
    row = item.row
    return {
        "kind": row.kind.value,
        "id": row.id,
        "captured": iso(row.when),
        "status": row.status.value,
        "group": row.status.group.value,
        "summary": row.summary,
        "object_key": row.object_key,
        "request_id": row.request_id,
        "code": row.code,
        "size": row.size,
        "thumbnail": item.thumbnail is not None,
        "upload": None
        if row.upload_state is None
        else {
            "state": row.upload_state.value,
            "tries": row.upload_tries,
            "ms": row.upload_ms,
            "at": row.uploaded_at or None,
            "error": row.upload_error,
            "location": without_credentials(row.upload_location),
        },
        "attempts": [
            {
                "attempt": a.attempt,
                "at": a.at,
                "status": a.status,
                "ms": a.ms,
                "ok": a.ok,
                "error": a.error,
            }
            for a in row.attempts
        ],
        "callbacks": [
            {
                "received_at": c.received_at,
                "delivery": c.delivery,
                "answered": c.answered,
                "checksum_ok": c.checksum_ok,
                "verdict": c.verdict,
            }
            for c in row.callbacks
        ],
        "resends": [
            {"at": r.at, "request_id": r.request_id, "delivered": r.delivered, "note": r.note}
            for r in row.resends
        ],
        "stages_ms": None if item.stages is None else _stages(item.stages),
    }


def _stages(p: Point) -> dict[str, float | int | None]:
    def num(value: float) -> float | None:
        return None if math.isnan(value) else round(value, 3)

    return {
        "capture": num(p.capture_ms),
        "store": num(p.store_ms),
        "notify": num(p.notify_ms),
        "total": num(p.total_ms),
        "late": num(p.late_ms),
        "upload_tries": p.upload_tries,
        "attempts": p.attempts,
    }
