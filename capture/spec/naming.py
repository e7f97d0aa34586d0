"""Object keys, sids and requestIds, built exactly as the spec says, and a parser for keys;
the two text forms of an instant ShotHook writes, each with its parser.

Key: `<prefix>/<yyyymmdd>/<sid>_<cname>__uid_s_<uid>__uid_e_video_<utc>.jpg`, where `<utc>` is
the capture instant in UTC as 17 digits `yyyyMMddHHmmssSSS` and `<yyyymmdd>` is its UTC date.
Events and the journal write times in ISO 8601 instead (`iso`). Both live here, at the bottom
of the engine's layers, so every stage, the shared modules and the window can use them.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

_UTC_FORMAT = "%Y%m%d%H%M%S"
_SID = re.compile(r"[0-9a-f]{32}")
_KEY = re.compile(
    r"(?:(?P<prefix>[A-Za-z0-9]+(?:/[A-Za-z0-9]+)*)/)?"
    r"(?P<date>\d{8})/"
    r"(?P<sid>[0-9a-f]{32})_(?P<cname>.+)__uid_s_(?P<uid>\d+)__uid_e_video_(?P<utc>\d{17})\.jpg"
)
_REQUEST_ID = re.compile(r"(?P<sid>[0-9a-f]{32})_(?P<unix>\d+)_(?P<nonce>[0-9a-f]{32})")


def new_sid() -> str:
    """A screenshot-session id: 32 lowercase hex characters, one per capture session."""
    return secrets.token_hex(16)


def utc_digits(instant: datetime) -> str:
    """The 17-digit `yyyyMMddHHmmssSSS` form of an aware datetime, in UTC."""
    moment = instant.astimezone(UTC)
    return moment.strftime(_UTC_FORMAT) + f"{moment.microsecond // 1000:03d}"


def parse_utc_digits(digits: str) -> datetime:
    """Inverse of `utc_digits` (millisecond precision). Raises ValueError if malformed."""
    if len(digits) != 17 or not digits.isascii() or not digits.isdigit():
        raise ValueError(f"expected 17 digits yyyyMMddHHmmssSSS, got {digits!r}")
    # Sliced by hand: strptime costs the webhook ~20 us per callback. datetime() still raises
    # ValueError for a month, day, hour, minute or second out of range.
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
    hour, minute, second = int(digits[8:10]), int(digits[10:12]), int(digits[12:14])
    millis = int(digits[14:])
    return datetime(year, month, day, hour, minute, second, millis * 1000, tzinfo=UTC)


def iso(instant: datetime) -> str:
    """ISO 8601 in UTC to the millisecond, `2026-01-02T03:04:05.678Z`: the `time` of every event
    (README.md's event contract) and the times in the journal."""
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """An ISO 8601 time, as `iso` writes it or with any offset, as an aware datetime (a time
    with no offset is taken as UTC, so it can be compared with the others). Raises ValueError
    if malformed."""
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def object_key(prefix: str, sid: str, cname: str, uid: int, captured_at: datetime) -> str:
    stamp = utc_digits(captured_at)
    name = f"{sid}_{cname}__uid_s_{uid}__uid_e_video_{stamp}.jpg"
    date = stamp[:8]
    return f"{prefix}/{date}/{name}" if prefix else f"{date}/{name}"


@dataclass(frozen=True)
class KeyParts:
    prefix: str
    date: str
    sid: str
    cname: str
    uid: int
    utc: str

    @property
    def captured_at(self) -> datetime:
        return parse_utc_digits(self.utc)


def parse_object_key(key: str) -> KeyParts:
    """Read a key back into its parts. Raises ValueError naming what does not fit."""
    match = _KEY.fullmatch(key)
    if not match:
        raise ValueError(
            "object key does not follow "
            "<prefix>/<yyyymmdd>/<sid>_<cname>__uid_s_<uid>__uid_e_video_<utc>.jpg"
        )
    parts = KeyParts(
        prefix=match["prefix"] or "",
        date=match["date"],
        sid=match["sid"],
        cname=match["cname"],
        uid=int(match["uid"]),
        utc=match["utc"],
    )
    parts.captured_at  # noqa: B018 - validates the 17 digits as a real instant
    if parts.date != parts.utc[:8]:
        raise ValueError(f"date folder {parts.date} is not the UTC date of {parts.utc}")
    return parts


def new_request_id(sid: str, now: datetime) -> str:
    """`<sid>_<unix seconds>_<32 hex>`: one per notification event, kept across its retries."""
    if not _SID.fullmatch(sid):
        raise ValueError(f"sid must be 32 lowercase hex characters, got {sid!r}")
    return f"{sid}_{int(now.timestamp())}_{secrets.token_hex(16)}"


def is_request_id(value: str) -> bool:
    return _REQUEST_ID.fullmatch(value) is not None
