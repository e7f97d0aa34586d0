"""The notification body: built by the sender, parsed and verified by the receiver.

Checksum (a decision recorded in the spec): md5_hex(callbackAddr + str(code) + object + requestId),
lowercase hex, callbackAddr being the callback URL exactly as configured.

The receiver's parser takes bodies from anyone who can reach the webhook, so any JSON at all
must end in a `Received` or a `PayloadError`: JSON nested deeper than Python's recursion
limit, integers longer than Python converts (4,300 digits) or beyond SQLite's 64 bits, and
`\\ud800`-style escapes that decode to lone surrogates (text no UTF-8 output, checksum or
journal can take) are each a PayloadError naming the problem, never another exception.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from capture.spec.naming import utc_digits

CODE_COMPLETE = 200
CODE_INCOMPLETE = 206
MSG_COMPLETE = "Supervise complete"
CONTENT_TYPE = "application/json;charset=utf-8"

_FIELD_TYPES: dict[str, type] = {
    "requestId": str,
    "callbackParam": dict,
    "callbackData": str,
    "checksum": str,
    "object": str,
    "code": int,
    "msg": str,
    "channelName": str,
    "userId": str,
    "timestamp": int,
}
_TYPE_NAMES = {str: "a string", dict: "an object", int: "a number (integer)"}
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # what SQLite stores as an INTEGER
_INT64_DIGITS = 19  # the most an INT64 has
_INT64_RULE = "must be an integer of 64 bits (-2^63 to 2^63-1)"


class PayloadError(ValueError):
    """A notification body is malformed; `field` names the offending field ('' for the body).
    Its text is meant for the user as it stands (capture.errors.describe shows it so)."""

    def __init__(self, field: str, problem: str) -> None:
        self.message = f"{field}: {problem}" if field else problem
        super().__init__(self.message)
        self.field = field
        self.problem = problem


def checksum(callback_addr: str, code: int, object_key: str, request_id: str) -> str:
    raw = f"{callback_addr}{code}{object_key}{request_id}".encode()
    return hashlib.md5(raw, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class Notification:
    """One notification event. The same instance is sent on every attempt."""

    request_id: str
    channel: str
    uid: int
    object_key: str
    utc: str
    callback_data: str = ""
    code: int = CODE_COMPLETE
    msg: str = MSG_COMPLETE

    def body(self, callback_addr: str) -> dict[str, Any]:
        return {
            "requestId": self.request_id,
            "callbackParam": {"cname": self.channel},
            "callbackData": self.callback_data,
            "checksum": checksum(callback_addr, self.code, self.object_key, self.request_id),
            "object": self.object_key,
            "code": self.code,
            "msg": self.msg,
            "channelName": self.channel,
            "userId": str(self.uid),
            "timestamp": int(self.utc),
        }

    def encode(self, callback_addr: str) -> bytes:
        return encoded(self.body(callback_addr))


def encoded(body: dict[str, Any]) -> bytes:
    """A body as the sender sends it: UTF-8 JSON, its keys in their order."""
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def with_checksum(body: dict[str, Any], callback_addr: str) -> dict[str, Any]:
    """`body` with its checksum made for `callback_addr` from its own code, object and
    requestId (a resend to another address, an edited body); PayloadError naming a field
    the checksum cannot be made from."""
    for name in ("requestId", "object", "code"):
        kind = _FIELD_TYPES[name]
        value = body.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise PayloadError(name, f"must be {_TYPE_NAMES[kind]} to make the checksum")
    made = checksum(callback_addr, body["code"], body["object"], body["requestId"])
    return {**body, "checksum": made}


class Received(NamedTuple):
    """A body that passed the receiver's field and type checks (a named tuple: the webhook
    makes one a callback, and a frozen dataclass takes three times as long to build)."""

    request_id: str
    cname: str
    callback_data: str
    checksum: str
    object_key: str
    code: int
    msg: str
    channel: str
    user_id: str
    timestamp: int
    timestamp_form: str  # "utc17" or "unix_ms"
    warnings: tuple[str, ...]

    def checksum_matches(self, callback_addr: str) -> bool:
        expected = checksum(callback_addr, self.code, self.object_key, self.request_id)
        return expected == self.checksum.lower()


@dataclass(frozen=True)
class _LongInteger:
    """A JSON integer with more digits than any INT64, left unconverted, when the body holds
    one too long for Python to convert (over 4,300 digits)."""

    digits: int


def _parse_int(text: str) -> int | _LongInteger:
    digits = len(text) - text.startswith("-")
    return _LongInteger(digits) if digits > _INT64_DIGITS else int(text)


def _load_json(raw: bytes) -> object:
    """The JSON value of a body. Raises PayloadError for anything that is not one."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError("", f"body is not UTF-8 (byte {exc.start})") from None
    return _decode(text)


def _decode(text: str, parse_int: Callable[[str], object] | None = None) -> object:
    try:
        return json.loads(text, parse_int=parse_int)
    except json.JSONDecodeError as exc:
        raise PayloadError("", f"body is not valid JSON ({exc.msg} at {exc.pos})") from None
    except RecursionError:  # the C decoder's limit: about 1,000 levels, less the caller's stack
        raise PayloadError(
            "", "body nests arrays or objects too deeply (a notification nests 2 levels)"
        ) from None
    except ValueError:
        if parse_int is not None:
            raise
        # An integer over the 4,300 digits Python converts (its guard against slow conversion).
        # Parsed again keeping long integers unconverted, so that the field holding one is named;
        # only such a body pays for the hook.
        return _decode(text, _parse_int)


def parse_body(raw: bytes) -> Received:
    """Parse and type-check a notification. Raises PayloadError naming the field and problem."""
    data = _load_json(raw)
    if not isinstance(data, dict):
        raise PayloadError("", "body must be a JSON object")
    escaped = b"\\u" in raw  # the only way a lone surrogate gets into a string (see below)
    for name, kind in _FIELD_TYPES.items():
        if name not in data:
            raise PayloadError(name, "missing")
        _check_field(name, data[name], kind, escaped)
    cname = data["callbackParam"].get("cname")
    if not isinstance(cname, str):
        raise PayloadError("callbackParam.cname", f"must be a string, got {_json_type(cname)}")
    if escaped:
        _check_unicode("callbackParam.cname", cname)
    form = timestamp_form(data["timestamp"])
    if form is None:
        raise PayloadError("timestamp", "must be 17 digits yyyyMMddHHmmssSSS or Unix milliseconds")
    return Received(
        request_id=data["requestId"],
        cname=cname,
        callback_data=data["callbackData"],
        checksum=data["checksum"],
        object_key=data["object"],
        code=data["code"],
        msg=data["msg"],
        channel=data["channelName"],
        user_id=data["userId"],
        timestamp=data["timestamp"],
        timestamp_form=form,
        warnings=tuple(_consistency_warnings(data, cname)),
    )


def loose_fields(raw: bytes) -> dict[str, str]:
    """requestId and object of a body that failed the checks, where they are there as text
    the journal can store, to correlate the rejection with a shot."""
    try:
        data = _load_json(raw)
    except PayloadError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        name: value
        for name in ("requestId", "object")
        if isinstance(value := data.get(name), str) and _lone_surrogate(value) is None
    }


def _check_field(name: str, value: object, kind: type, escaped: bool = True) -> None:
    """`value` is of `kind` and in range; a string is text (without a `\\u` escape in the
    body, `escaped` False, none can hold a lone surrogate, and the check is skipped)."""
    if isinstance(value, _LongInteger) and kind is int:
        raise PayloadError(name, f"{_INT64_RULE}, got one of {value.digits} digits")
    if not isinstance(value, kind) or isinstance(value, bool):
        raise PayloadError(name, f"must be {_TYPE_NAMES[kind]}, got {_json_type(value)}")
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        raise PayloadError(name, f"{_INT64_RULE}, got {_shown_integer(value)}")
    if escaped and isinstance(value, str):
        _check_unicode(name, value)


def _shown_integer(value: int) -> str:
    text = str(value)
    digits = len(text) - (value < 0)
    return text if digits <= _INT64_DIGITS + 2 else f"one of {digits} digits"


def _check_unicode(name: str, value: str) -> None:
    at = _lone_surrogate(value)
    if at is not None:
        code = ord(value[at])
        raise PayloadError(
            name, f"holds a lone surrogate (\\u{code:04x} at character {at}), not text"
        )


def _lone_surrogate(value: str) -> int | None:
    """Where `value` holds a lone surrogate, if it does: JSON's \\ud800-style escapes are the
    only way one gets in (the UTF-8 decoder refuses encoded surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def timestamp_form(value: int) -> str | None:
    """Receivers accept both the 17-digit UTC form and Unix milliseconds."""
    if 10**16 <= value < 10**17:
        # Split by arithmetic (parse_utc_digits's text slicing costs the webhook ~2 us more a
        # callback); datetime() raises ValueError for any part out of range.
        rest, _millis = divmod(value, 1000)
        rest, second = divmod(rest, 100)
        rest, minute = divmod(rest, 100)
        rest, hour = divmod(rest, 100)
        rest, day = divmod(rest, 100)
        year, month = divmod(rest, 100)
        try:
            datetime(year, month, day, hour, minute, second)
        except ValueError:
            return None
        return "utc17"
    if 0 < value < 10**14:
        return "unix_ms"
    return None


def timestamp_as_utc17(value: int) -> str:
    if timestamp_form(value) == "unix_ms":
        return utc_digits(datetime.fromtimestamp(value / 1000, UTC))
    return str(value)


def _consistency_warnings(data: dict[str, Any], cname: str) -> list[str]:
    warnings = []
    if data["channelName"] != cname:
        warnings.append("channelName differs from callbackParam.cname")
    if not data["userId"].isdigit():
        warnings.append("userId is not decimal text")
    if data["code"] == CODE_COMPLETE and data["msg"] != MSG_COMPLETE:
        warnings.append(f"msg for code {CODE_COMPLETE} is not {MSG_COMPLETE!r}")
    return warnings


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, _LongInteger):
        return "an integer"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number" if not isinstance(value, int) else "an integer"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
