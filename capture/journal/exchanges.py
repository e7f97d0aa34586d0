"""Every HTTP exchange journaled whole: how a row is written, and the reader the inspector, its
detail pane and the exports use.

A row holds one request and its answer byte-exact (headers as (name, value) bytes in order and
case, bodies as bytes), bounded: each body's first `EXCHANGE_BODY_KEEP` bytes and its true
length. Headers are stored as bytes, each name and value ended by a NUL, so any byte (a
header aiohttp would refuse to decode, a non-UTF-8 value) comes back as it was sent.

`ExchangeReader` has its own read-only connection (like the timeline's reader): the exchanges of
one shot (its attempts and the deliveries the webhook received), of one requestId, of one
callback row, and all of them (or one session's) in journal order for an export.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from itertools import chain
from pathlib import Path

from capture.journal.records import Direction, Exchange, Headers, Timing
from capture.journal.schema import connect

__all__ = [
    "CREDENTIAL_HEADERS",
    "EXCHANGE_BODY_KEEP",
    "INSERT_EXCHANGE",
    "REDACTED",
    "Direction",
    "Exchange",
    "ExchangeReader",
    "Headers",
    "Timing",
    "exchange_row",
    "exchanges_of_row",
    "redacted",
    "select_exchanges",
]

EXCHANGE_BODY_KEEP = 64 * 1024  # bytes of each body kept (the webhook's and the sender's bound)
PAGE = 500  # rows read at a time by `iter_exchanges`
REDACTED = "<redacted>"  # what stands for a credential kept out of a file, everywhere


# Headers whose values are credentials: never in the journal from the sender, never in an
# export or a bundle unless the user keeps them.
CREDENTIAL_HEADERS = frozenset(
    {b"authorization", b"proxy-authorization", b"cookie", b"set-cookie", b"x-amz-security-token"}
)


def redacted(headers: Headers) -> Headers:
    """`headers` with each CREDENTIAL_HEADERS value replaced by REDACTED: a credential kept out
    of the journal (the sender's attempts) and out of exports unless the user keeps it."""
    mark = REDACTED.encode()
    return tuple(
        (name, mark if name.lower() in CREDENTIAL_HEADERS else value) for name, value in headers
    )


_COLUMNS = (
    "direction, at, shot_id, callback_id, attempt_id, request_id, object_key, remote, method,"
    " url, http_version, request_headers, request_body, request_size, status, response_headers,"
    " response_body, response_size, error, total_ms, connect_ms, tls_ms, first_byte_ms, relayed"
)
INSERT_EXCHANGE = (
    f"INSERT INTO exchanges({_COLUMNS}) VALUES ({', '.join('?' * len(_COLUMNS.split(',')))})"
)


def encode_headers(headers: Headers) -> bytes:
    """Header pairs as the journal stores them: each name and value followed by a NUL. HTTP
    lets no NUL into a name or a value (aiohttp's parser refuses one), so any other byte comes
    back as sent; joined in C, as the webhook records every request (benchmarks/callbacks.py)."""
    if not headers:
        return b""
    joined = b"\0".join(chain.from_iterable(headers)) + b"\0"
    if joined.count(b"\0") != 2 * len(headers):  # a NUL after all (not from HTTP): escaped
        parts = (part.replace(b"\0", b"\\x00") for part in chain.from_iterable(headers))
        joined = b"\0".join(parts) + b"\0"
    return joined


def decode_headers(data: bytes) -> Headers:
    parts = bytes(data).split(b"\0")[:-1]
    return tuple(zip(parts[::2], parts[1::2], strict=True))


def exchange_row(exchange: Exchange) -> tuple[object, ...]:
    """The values of INSERT_EXCHANGE for `exchange`, its bodies cut to EXCHANGE_BODY_KEEP."""
    e, t = exchange, exchange.timing
    return (
        e.direction.value,
        e.at,
        e.shot_id,
        e.callback_id,
        e.attempt_id,
        e.request_id,
        e.object_key,
        e.remote,
        e.method,
        e.url,
        e.http_version,
        encode_headers(e.request_headers),
        e.request_body[:EXCHANGE_BODY_KEEP],
        e.request_size,
        e.status,
        encode_headers(e.response_headers),
        e.response_body[:EXCHANGE_BODY_KEEP],
        e.response_size,
        e.error,
        t.total_ms,
        t.connect_ms,
        t.tls_ms,
        t.first_byte_ms,
        int(e.relayed),
    )


_SELECT = (
    f"SELECT e.id, {', '.join('e.' + c.strip() for c in _COLUMNS.split(','))},"
    " a.attempt AS attempt FROM exchanges e LEFT JOIN attempts a ON a.id = e.attempt_id"
)


class ExchangeReader:
    """Read-only view of the journal's exchanges. Safe to share between threads."""

    def __init__(self, journal_path: Path) -> None:
        self._conn = connect(journal_path, readonly=True)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def exchanges_for_shot(self, shot_id: int) -> list[Exchange]:
        """A shot's exchanges, oldest first: each attempt to notify it, and each delivery of
        its notification the embedded webhook received (matched by requestId or object key)."""
        return self._select("WHERE e.shot_id = ? ORDER BY e.id", (shot_id,))

    def exchanges_for_request_id(self, request_id: str) -> list[Exchange]:
        """Every exchange carrying `request_id`, sent or received, oldest first (a callback
        sent by something else that matched no shot of ours included)."""
        return self._select("WHERE e.request_id = ? ORDER BY e.id", (request_id,))

    def exchange_for_callback(self, callback_id: int) -> Exchange | None:
        """The request a callbacks row (a timeline row's delivery or rejection) was made from."""
        found = self._select(
            "WHERE e.callback_id = ? AND e.direction != 'forwarded' ORDER BY e.id LIMIT 1",
            (callback_id,),
        )
        return found[0] if found else None

    def forward_for_callback(self, callback_id: int) -> Exchange | None:
        """The forward (--forward-to) of the request a callbacks row was made from, if any."""
        found = self._select(
            "WHERE e.callback_id = ? AND e.direction = 'forwarded' ORDER BY e.id LIMIT 1",
            (callback_id,),
        )
        return found[0] if found else None

    def iter_exchanges(self, session_id: int | None = None) -> Iterator[Exchange]:
        """Every exchange in journal order, or those of one session: its shots' attempts and
        deliveries, and the requests matching no shot received while it ran. Read a page at a
        time, so an export of a long history holds one page in memory."""
        where = ""
        args: tuple[int, ...] = ()
        if session_id is not None:
            where = (
                " AND (e.shot_id IN (SELECT id FROM shots WHERE session_id = ?1)"
                " OR (e.shot_id IS NULL AND e.at >= (SELECT started_at FROM sessions WHERE id = ?1)"
                " AND e.at <= COALESCE((SELECT stopped_at FROM sessions WHERE id = ?1), '9')))"
            )
            args = (session_id,)
        last = 0
        while True:
            page = self._select(
                f"WHERE e.id > ?{len(args) + 1}{where} ORDER BY e.id LIMIT {PAGE}", (*args, last)
            )
            yield from page
            if len(page) < PAGE:
                return
            last = page[-1].id

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM exchanges").fetchone()[0])

    def _select(self, tail: str, args: Sequence[object]) -> list[Exchange]:
        with self._lock:
            return select_exchanges(self._conn, tail, args)


def select_exchanges(conn: sqlite3.Connection, tail: str, args: Sequence[object]) -> list[Exchange]:
    """The exchanges `tail` (WHERE ... ORDER BY ...) picks, on a connection whose rows are
    sqlite3.Row (the journal's own and its readers')."""
    return [_exchange(r) for r in conn.execute(f"{_SELECT} {tail}", tuple(args)).fetchall()]


def exchanges_of_row(
    conn: sqlite3.Connection, *, shot_id: int | None = None, callback_id: int | None = None
) -> list[Exchange]:
    """What the inspector shows for one timeline row, oldest first: a shot's attempts and the
    deliveries the webhook received of it, or the one request a callback row was made from."""
    if shot_id is not None:
        return select_exchanges(conn, "WHERE e.shot_id = ? ORDER BY e.id", (shot_id,))
    return select_exchanges(conn, "WHERE e.callback_id = ? ORDER BY e.id", (callback_id,))


def _exchange(r: sqlite3.Row) -> Exchange:
    return Exchange(
        id=int(r["id"]),
        direction=Direction(r["direction"]),
        at=str(r["at"]),
        method=str(r["method"]),
        url=str(r["url"]),
        http_version=str(r["http_version"]),
        request_headers=decode_headers(r["request_headers"]),
        request_body=bytes(r["request_body"]),
        request_size=int(r["request_size"]),
        status=r["status"],
        response_headers=decode_headers(r["response_headers"]),
        response_body=bytes(r["response_body"]),
        response_size=r["response_size"],
        remote=str(r["remote"]),
        error=str(r["error"]),
        timing=Timing(r["total_ms"], r["connect_ms"], r["tls_ms"], r["first_byte_ms"]),
        shot_id=r["shot_id"],
        request_id=r["request_id"],
        object_key=r["object_key"],
        callback_id=r["callback_id"],
        attempt_id=r["attempt_id"],
        attempt=r["attempt"],
        relayed=bool(r["relayed"]),
    )
