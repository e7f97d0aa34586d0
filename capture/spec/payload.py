"""The notification body: built by the sender, parsed and verified by the receiver.

Checksum (a decision recorded in the spec): md5_hex(callbackAddr + str(code) + object + requestId),
lowercase hex, callbackAddr being the callback URL exactly as configured.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from capture.spec.naming import parse_utc_digits, utc_digits

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
        return json.dumps(self.body(callback_addr), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Received:
    """A body that passed the receiver's field and type checks."""

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


def parse_body(raw: bytes) -> Received:
    """Parse and type-check a notification. Raises PayloadError naming the field and problem."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError("", f"body is not UTF-8 (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PayloadError("", f"body is not valid JSON ({exc.msg} at {exc.pos})") from None
    if not isinstance(data, dict):
        raise PayloadError("", "body must be a JSON object")
    for name, kind in _FIELD_TYPES.items():
        if name not in data:
            raise PayloadError(name, "missing")
        value = data[name]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise PayloadError(name, f"must be {_TYPE_NAMES[kind]}, got {_json_type(value)}")
    cname = data["callbackParam"].get("cname")
    if not isinstance(cname, str):
        raise PayloadError("callbackParam.cname", f"must be a string, got {_json_type(cname)}")
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


def timestamp_form(value: int) -> str | None:
    """Receivers accept both the 17-digit UTC form and Unix milliseconds."""
    if 10**16 <= value < 10**17:
        try:
            parse_utc_digits(str(value))
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
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number" if not isinstance(value, int) else "an integer"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
