"""`--query TEXT [--query-status GROUP] [--query-session ID|last] [--query-since T]
[--query-until T]`: the timeline's search, for scripts. Each matching row of the whole journal
is one JSON line on stdout, oldest first; none is no error (exit 0, no lines); a bad flag is
a ConfigError naming it (exit 2).

It only reads: the journal is opened read-only, so a window or a headless run may be using the
same data folder meanwhile. The rows carry no secret (the journal holds none).
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TextIO

from capture.cli.exits import Exit
from capture.errors import ConfigError
from capture.events import utc_now
from capture.journal.query import Query, statuses_named
from capture.journal.reader import Status, StatusGroup, TimelineReader, TimelineRow
from capture.journal.schema import JournalDamaged
from capture.paths import DataDir
from capture.settings.words import on_command_line
from capture.spec.naming import iso, parse_iso

RULE_STATUS = "one of " + ", ".join(g.value for g in StatusGroup)
RULE_SESSION = "a session's number (1 or more) or last"
RULE_TIME = "an ISO 8601 time (2025-01-31T09:00:00Z) or a time ago: 90s, 15m, 2h, 7d"
_AGO = re.compile(r"([0-9]{1,6})([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
# The words a status is found by: its name (`failed`, `checksum mismatch`, ...).
WORDS = {status: status.value for status in Status}


@dataclass(frozen=True)
class QueryRun:
    query: Query
    last_session: bool  # --query-session last: the newest session, read with the rows


def parse(args: argparse.Namespace, now: datetime | None = None) -> QueryRun:
    """The query the flags ask for. Raises ConfigError naming the flag."""
    now = now or utc_now()
    if args.query is None:
        given = next(n for n in vars(args) if n.startswith("query_") and getattr(args, n))
        raise ConfigError(given, "filters a --query: give --query TEXT too ('' for every row)")
    text = str(args.query).strip()
    session, last = _session(args.query_session)
    query = Query(
        text=text,
        statuses=statuses_named(text, WORDS),
        group=_group(args.query_status),
        session_id=session,
        since=_time("query_since", args.query_since, now),
        until=_time("query_until", args.query_until, now),
    )
    if query.since and query.until and query.since >= query.until:
        raise ConfigError("query_until", "a time after --query-since", args.query_until)
    return QueryRun(query, last)


def _group(text: str | None) -> StatusGroup | None:
    if text is None:
        return None
    try:
        return StatusGroup(text.strip().lower())
    except ValueError:
        raise ConfigError("query_status", RULE_STATUS, text) from None


def _session(text: str | None) -> tuple[int | None, bool]:
    if text is None:
        return None, False
    value = text.strip().lower()
    if value == "last":
        return None, True
    if not re.fullmatch(r"[0-9]{1,18}", value) or int(value) < 1:
        raise ConfigError("query_session", RULE_SESSION, text)
    return int(value), False


def parse_time(field: str, text: str | None, now: datetime | None = None) -> datetime | None:
    """A time flag as --query-since takes it (ISO 8601, or a time ago: 15m); a ConfigError
    naming `field`. Shared with --report and --bundle's --since and --until."""
    return _time(field, text, now or utc_now())


def _time(field: str, text: str | None, now: datetime) -> datetime | None:
    if text is None:
        return None
    value = text.strip()
    ago = _AGO.fullmatch(value)
    if ago:
        return now - timedelta(**{_UNITS[ago[2]]: int(ago[1])})
    try:
        return parse_iso(value)
    except ValueError:
        raise ConfigError(field, RULE_TIME, text) from None


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> Exit:
    try:
        plan = parse(args)
    except ConfigError as exc:
        print(f"shothook: {on_command_line(exc)}", file=stderr)
        return Exit.CONFIG
    journal = DataDir.resolve(args.data_dir).journal
    if not journal.is_file():
        print(f"shothook: no journal at {journal}: nothing to search", file=stderr)
        return Exit.OK
    try:
        rows = _rows(TimelineReader(journal), plan)
    except (sqlite3.DatabaseError, JournalDamaged) as exc:
        damaged = exc if isinstance(exc, JournalDamaged) else JournalDamaged(journal, str(exc))
        print(f"shothook: {damaged}", file=stderr)
        return Exit.CONFIG
    for row in rows:
        stdout.write(json.dumps(row_json(row), ensure_ascii=False) + "\n")
    stdout.flush()
    print(f"shothook: {len(rows)} row(s) matched", file=stderr)
    return Exit.OK


def _rows(reader: TimelineReader, plan: QueryRun) -> list[TimelineRow]:
    try:
        query = plan.query
        if plan.last_session:
            sessions = reader.sessions()
            if not sessions:
                return []
            query = Query(
                query.text, query.statuses, query.group, sessions[0].id, query.since, query.until
            )
        found = reader.matching(query)
        return reader.newest(found, query=query).rows if found else []
    finally:
        reader.close()


def row_json(row: TimelineRow) -> dict[str, Any]:
    """One row as the timeline shows it: what happened to the shot (or the foreign callback)."""
    return {
        "kind": row.kind.value,
        "id": row.id,
        "session": row.session_id,
        "time": iso(row.when),
        "status": row.status.value,
        "group": row.status.group.value,
        "summary": row.summary,
        "object": row.object_key,
        "requestId": row.request_id,
        "uid": row.uid or None,
        "code": row.code,
        "upload": {
            "state": row.upload_state.value if row.upload_state else None,
            "tries": row.upload_tries,
            "location": row.upload_location,
            "error": row.upload_error,
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
                "remote": c.remote,
                "answered": c.answered,
                "checksum_ok": c.checksum_ok,
                "verdict": c.verdict,
            }
            for c in row.callbacks
        ],
    }
