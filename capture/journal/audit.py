"""What a session says it stored, read back for a reconciliation with the storage: its
settings as journaled, its shots (key, size, the JPEG's MD5, upload state), the callbacks the
webhook received for them, and which of a list of keys any shot of the journal owns.

Read-only (its own connection), so it runs beside a writing engine, and on a journal of an
older schema: a shot journaled before the MD5 column has no MD5, and only its size is held
against the storage.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from capture.errors import ConfigError
from capture.journal.schema import connect
from capture.journal.states import UploadState

LAST = "last"
RULE_SESSION = "a session id (a whole number) or last"
_CHUNK = 500  # keys per IN (...) query, below SQLite's variable limit


@dataclass(frozen=True)
class AuditShot:
    id: int
    key: str
    size: int
    md5: str | None
    state: UploadState


@dataclass(frozen=True)
class AuditCallback:
    id: int
    key: str
    code: int | None
    shot_id: int | None


@dataclass(frozen=True)
class AuditSession:
    id: int
    started_at: str
    storage_label: str  # as the session journaled it
    settings: dict[str, Any]  # Settings.to_public_dict() as journaled (no secret)
    shots: tuple[AuditShot, ...]
    callbacks: tuple[AuditCallback, ...]
    source: str = ""  # the source's label, as journaled
    callback_url: str = ""  # where its notifications went


def parse_session_ref(text: str | None) -> str | int:
    """--session: `last` (the default) or a positive id."""
    value = LAST if text is None else text.strip()
    if value == LAST:
        return LAST
    if value.isascii() and value.isdigit() and 0 < len(value) <= 12 and int(value) > 0:
        return int(value)
    raise ConfigError("session", RULE_SESSION, text)


class JournalAudit:
    """A read-only look at the journal file at `path`; close() when done."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise ConfigError("session", f"no journal at {path}: no session was recorded there")
        self._conn = connect(path, readonly=True)
        self._conn.row_factory = sqlite3.Row
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(shots)")}
        self._md5 = "md5" if "md5" in columns else "NULL"

    def close(self) -> None:
        self._conn.close()

    def session(self, ref: str | int) -> AuditSession:
        """The session `ref` names (an id or `last`); a ConfigError naming --session if none."""
        if ref == LAST:
            row = self._conn.execute("SELECT * FROM sessions ORDER BY id DESC LIMIT 1").fetchone()
        else:
            row = self._conn.execute("SELECT * FROM sessions WHERE id = ?", (ref,)).fetchone()
        if row is None:
            known = self._conn.execute("SELECT MIN(id), MAX(id) FROM sessions").fetchone()
            raise ConfigError("session", f"no such session in the journal ({_known(known)})", ref)
        session_id = int(row["id"])
        try:
            settings = json.loads(row["settings_json"])
        except ValueError:
            settings = {}
        return AuditSession(
            id=session_id,
            started_at=str(row["started_at"]),
            storage_label=str(row["storage"]),
            settings=settings if isinstance(settings, dict) else {},
            shots=self._shots(session_id),
            callbacks=self._callbacks(session_id),
            source=str(row["source"]),
            callback_url=str(row["callback_url"]),
        )

    def _shots(self, session_id: int) -> tuple[AuditShot, ...]:
        rows = self._conn.execute(
            f"SELECT id, object_key, size, {self._md5} AS md5, upload_state FROM shots"
            " WHERE session_id = ? ORDER BY id",
            (session_id,),
        )
        return tuple(
            AuditShot(r["id"], r["object_key"], r["size"], r["md5"], UploadState(r["upload_state"]))
            for r in rows
        )

    def _callbacks(self, session_id: int) -> tuple[AuditCallback, ...]:
        """Callbacks matched to the session's shots, and those naming one of its keys that the
        webhook could not match (a stray sender's, say)."""
        rows = self._conn.execute(
            "SELECT c.id, c.object_key, c.code, c.shot_id FROM callbacks c"
            " WHERE c.object_key IS NOT NULL AND (c.shot_id IN"
            " (SELECT id FROM shots WHERE session_id = ?) OR (c.shot_id IS NULL AND"
            " c.object_key IN (SELECT object_key FROM shots WHERE session_id = ?)))"
            " ORDER BY c.id",
            (session_id, session_id),
        )
        return tuple(AuditCallback(r["id"], r["object_key"], r["code"], r["shot_id"]) for r in rows)

    def owned(self, keys: Iterable[str]) -> set[str]:
        """Those of `keys` that some shot of the journal (any session) has as its key."""
        wanted, found = list(keys), set[str]()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = self._conn.execute(
                f"SELECT DISTINCT object_key FROM shots WHERE object_key IN ({marks})", chunk
            )
            found.update(str(r[0]) for r in rows)
        return found


def _known(span: sqlite3.Row) -> str:
    low, high = span[0], span[1]
    if low is None:
        return "it has none yet"
    return f"it has session {low}" if low == high else f"it has sessions {low} to {high}"
