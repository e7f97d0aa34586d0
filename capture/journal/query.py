"""A search of the whole journal, as SQL: the timeline's search box and filters, and
`--headless --query`, ask the same `Query`.

The text is looked for (case-insensitive for ASCII, as SQLite's LIKE is) in what a tester
pastes from a log or a customer's report: a shot's requestId, object key, channel and uid, its
code and every HTTP status it met (attempts' answers, the webhook's answers to its callbacks),
and the bodies (the payload sent, the answers' excerpts, the callbacks received) with the
errors and verdicts. A status is found by its words too, through `statuses`: the caller decides
which words name which status (the window its labels, the terminal the status names), and each
status has its condition in SQL here (`STATUS_SQL`), in the order the reader's `shot_status`
tries them, so that a search and a row's status agree (tests/journal/test_query.py checks every
combination of a shot's states). Filters narrow by status group, session and time range.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from capture.journal import states
from capture.journal.states import Status, StatusGroup
from capture.spec.naming import iso, utc_digits

__all__ = ["STATUS_SQL", "Query", "foreign_clause", "shot_clause", "statuses_named"]

_FAILED_ATTEMPT = "EXISTS(SELECT 1 FROM attempts a WHERE a.shot_id = s.id AND a.ok = 0)"
_VERIFIED_CALLBACK = (
    "EXISTS(SELECT 1 FROM callbacks c WHERE c.shot_id = s.id AND c.checksum_ok = 1)"
)
# (status, its own condition) in shot_status's order: a status holds when its condition does
# and no earlier one's.
_STEPS: list[tuple[Status, str]] = [
    (Status.NO_SHOT, (~states.COMPLETE).sql),
    (Status.MISMATCH, states.CHECKSUM_BAD.sql),
    (Status.FAILED, states.NOTIFY_FAILED.sql),
    (Status.RETRYING, f"({states.UPLOAD_OPEN.sql} AND s.upload_tries > 0)"),
    (Status.UPLOADING, states.UPLOAD_OPEN.sql),
    (Status.RETRYING, f"({states.NOTIFY_OPEN.sql} AND {_FAILED_ATTEMPT})"),
    (Status.NOTIFYING, states.NOTIFY_OPEN.sql),
    (Status.VERIFIED, _VERIFIED_CALLBACK),
    (Status.DELIVERED, "1"),
]


def _status_sql() -> dict[Status, str]:
    found: dict[Status, list[str]] = {}
    for i, (status, condition) in enumerate(_STEPS):
        earlier = [f"NOT {c}" for _s, c in _STEPS[:i]]
        found.setdefault(status, []).append("(" + " AND ".join([condition, *earlier]) + ")")
    return {status: "(" + " OR ".join(terms) + ")" for status, terms in found.items()}


STATUS_SQL: dict[Status, str] = _status_sql()  # over `shots s`; FOREIGN is never a shot


@dataclass(frozen=True)
class Query:
    """What to show: rows holding `text` (or in one of `statuses`), in `group`, of session
    `session_id`, captured (a foreign callback: received) in [since, until)."""

    text: str = ""
    statuses: frozenset[Status] = frozenset()  # the statuses whose words hold `text`
    group: StatusGroup | None = None
    session_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    @property
    def narrows(self) -> bool:
        """It leaves rows out: any of its parts is set."""
        return bool(self.text) or self.group is not None or self.narrows_beyond_group

    @property
    def narrows_beyond_group(self) -> bool:
        return (
            bool(self.text)
            or self.session_id is not None
            or self.since is not None
            or self.until is not None
        )

    def without_group(self) -> Query:
        return Query(self.text, self.statuses, None, self.session_id, self.since, self.until)


def statuses_named(text: str, words: Mapping[Status, str]) -> frozenset[Status]:
    """The statuses whose words (say, the window's labels) hold `text`, any case."""
    needle = text.strip().casefold()
    if not needle:
        return frozenset()
    return frozenset(s for s, word in words.items() if needle in word.casefold())


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_L = "LIKE ? ESCAPE '\\'"


def shot_clause(query: Query) -> tuple[str, list[object]]:
    """The WHERE condition over `shots s` for `query`, with its parameters."""
    terms: list[str] = []
    params: list[object] = []
    text = query.text.strip()
    if text:
        like, exact = _like(text), text
        attempt = (
            "EXISTS(SELECT 1 FROM attempts a WHERE a.shot_id = s.id AND"
            f" (CAST(a.status AS TEXT) = ? OR a.body_excerpt {_L} OR a.error {_L}))"
        )
        callback = (
            "EXISTS(SELECT 1 FROM callbacks c WHERE c.shot_id = s.id AND"
            f" (CAST(c.answered AS TEXT) = ? OR c.raw_body {_L} OR c.verdict {_L}))"
        )
        found = [
            f"s.request_id {_L}",
            f"s.object_key {_L}",
            f"s.channel {_L}",
            "CAST(s.uid AS TEXT) = ?",
            "CAST(s.code AS TEXT) = ?",
            f"s.payload_json {_L}",
            f"s.upload_error {_L}",
            attempt,
            callback,
        ]
        params += [like, like, like, exact, exact, like, like, exact, like, like]
        params += [exact, like, like]
        found += [STATUS_SQL[s] for s in sorted(query.statuses) if s in STATUS_SQL]
        terms.append("(" + " OR ".join(found) + ")")
    if query.group is not None:
        terms.append(states.SHOT_GROUPS[query.group].sql)
    if query.session_id is not None:
        terms.append("s.session_id = ?")
        params.append(query.session_id)
    if query.since is not None:
        terms.append("s.captured_utc >= ?")
        params.append(utc_digits(query.since))
    if query.until is not None:
        terms.append("s.captured_utc < ?")
        params.append(utc_digits(query.until))
    return (" AND ".join(terms) or "1"), params


def foreign_clause(query: Query) -> tuple[str, list[object]]:
    """The WHERE condition over `callbacks c` (those matching no shot) for `query`. A foreign
    callback belongs to the session running when it came."""
    if query.group not in (None, StatusGroup.FOREIGN):
        return "0", []
    terms = ["c.shot_id IS NULL"]
    params: list[object] = []
    text = query.text.strip()
    if text:
        like = _like(text)
        found = [
            f"c.request_id {_L}",
            f"c.object_key {_L}",
            f"c.raw_body {_L}",
            f"c.verdict {_L}",
            f"c.remote {_L}",
            "CAST(c.answered AS TEXT) = ?",
            "CAST(c.code AS TEXT) = ?",
        ]
        params += [like, like, like, like, like, text, text]
        if Status.FOREIGN in query.statuses:
            found.append("1")
        terms.append("(" + " OR ".join(found) + ")")
    if query.session_id is not None:
        terms.append(
            "EXISTS(SELECT 1 FROM sessions e WHERE e.id = ? AND c.received_at >= e.started_at"
            " AND (e.stopped_at IS NULL OR c.received_at <= e.stopped_at))"
        )
        params.append(query.session_id)
    if query.since is not None:
        terms.append("c.received_at >= ?")
        params.append(iso(query.since))
    if query.until is not None:
        terms.append("c.received_at < ?")
        params.append(iso(query.until))
    return " AND ".join(terms), params
