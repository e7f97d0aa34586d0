"""The kinds of value a setting takes and the spec's rules for them, each naming its field.

The rules come from docs/spec/screenshot-upload.md (client and console configuration).
`check_*` functions take raw user input (text from a flag or a line edit, or an already typed
value) and either return the typed value or raise `ConfigError(field, rule)`. The settings
table (`table.py`) names each setting's check; `model.py` applies them.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from capture.errors import ConfigError

INTERVAL_MIN, INTERVAL_MAX = 1, 3600
UID_MIN, UID_MAX = 1, 4_294_967_295
CHANNEL_MAX_BYTES = 63  # "fewer than 64 bytes"
EXTRA_INFO_MAX_BYTES = 1024
PREFIX_MAX_CHARS = 128
USERS_MAX = 64
CHANNEL_SPECIALS = " !#$%&()+-:;<=.>?@[]^_{}|~,"
# Digits a whole number may have: every bound above has at most 10, and Python refuses to read
# more than 4300 (a ValueError, not a rule), so anything longer breaks the rule before int().
WHOLE_NUMBER_MAX_DIGITS = 20
CAMERA_INDEX_MAX = 9999  # OpenCV's indexes, backend offsets included (CAP_UEYE + n is 2500 + n)
SOURCE_PATTERN_NAMES = ("synthetic", "test", "pattern")
STREAM_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")

RULE_INTERVAL = f"whole seconds from {INTERVAL_MIN} to {INTERVAL_MAX}"
RULE_UID = f"a whole number from {UID_MIN} to {UID_MAX} (unsigned 32-bit, 0 is not allowed)"
RULE_CHANNEL_EMPTY = "must not be empty"
RULE_CHANNEL_BYTES = f"must be fewer than 64 bytes in UTF-8 (at most {CHANNEL_MAX_BYTES})"
RULE_CHANNEL_CHARS = f"only letters, digits, space and {CHANNEL_SPECIALS.strip()}"
RULE_EXTRA_INFO = f"at most {EXTRA_INFO_MAX_BYTES} bytes in UTF-8"
RULE_PREFIX_PART = "parts joined by '/', each only letters A-Z, a-z and digits 0-9, none empty"
RULE_PREFIX_LEN = f"at most {PREFIX_MAX_CHARS} characters in all"
RULE_QUALITY = "a whole number from 1 to 100"
RULE_USERS = f"a whole number from 1 to {USERS_MAX}"
RULE_PORT = "a whole number from 0 to 65535 (0 picks a free port)"
RULE_HTTP_URL = "an http:// or https:// URL with a host"
RULE_BUCKET = (
    "3 to 63 characters: lowercase letters, digits, '.' and '-', "
    "starting and ending with a letter or digit, no '..', '.-' or '-.'"
)
RULE_REGION = "letters, digits and '-' only (for example us-east-1), or empty for the default"
RULE_HOST = "an IP address to listen on, such as 127.0.0.1"
RULE_UTF8 = "must be valid UTF-8 text"
RULE_USERS_FIT = f"uid + users - 1 must be at most {UID_MAX} (each user takes the next uid)"
RULE_SOURCE = (
    f"'synthetic', a camera index (0 to {CAMERA_INDEX_MAX}), a video file path or a stream URL"
)
RULE_FOLDER = "a folder ShotHook can create and write files in"

_CHANNEL_ALLOWED = re.compile(r"[A-Za-z0-9" + re.escape(CHANNEL_SPECIALS) + r"]*")
_PREFIX_PART = re.compile(r"[A-Za-z0-9]+")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_REGION = re.compile(r"[A-Za-z0-9-]*")
_E = TypeVar("_E", bound=StrEnum)


class Secret:
    """A string that never shows itself in repr, str or logs. Call `reveal()` to use it."""

    __slots__ = ("_value",)

    def __init__(self, value: str = "") -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__


class StorageKind(StrEnum):
    LOCAL = "local"
    S3 = "s3"


class AddressingStyle(StrEnum):
    AUTO = "auto"
    PATH = "path"
    VIRTUAL = "virtual"


# ---------------------------------------------------------------------------------------------
# Field checks: raw input in, typed value out, or ConfigError naming the field and the rule.


def _whole_number(field_name: str, value: object, lo: int, hi: int, rule: str) -> int:
    if isinstance(value, bool):
        raise ConfigError(field_name, rule, value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(
        rf"\s*[+-]?\d{{1,{WHOLE_NUMBER_MAX_DIGITS}}}\s*", value
    ):
        number = int(value)
    else:
        raise ConfigError(field_name, rule, value)
    if not lo <= number <= hi:
        raise ConfigError(field_name, rule, value)
    return number


def check_interval(value: object) -> int:
    return _whole_number("interval", value, INTERVAL_MIN, INTERVAL_MAX, RULE_INTERVAL)


def check_uid(value: object) -> int:
    return _whole_number("uid", value, UID_MIN, UID_MAX, RULE_UID)


def check_jpeg_quality(value: object) -> int:
    return _whole_number("jpeg_quality", value, 1, 100, RULE_QUALITY)


def check_users(value: object) -> int:
    return _whole_number("users", value, 1, USERS_MAX, RULE_USERS)


def check_port(value: object, field_name: str = "webhook_port") -> int:
    return _whole_number(field_name, value, 0, 65535, RULE_PORT)


def check_users_fit(uid: object, users: object) -> None:
    """The simulated users' uids (uid, uid + 1, ...) must all be valid uids."""
    if isinstance(uid, int) and isinstance(users, int) and uid + users - 1 > UID_MAX:
        raise ConfigError("users", RULE_USERS_FIT, users)


def _utf8_size(field_name: str, value: str) -> int:
    """Bytes of `value` in UTF-8; text that cannot be UTF-8 (lone surrogates from undecodable
    command-line bytes) breaks a rule rather than raising UnicodeEncodeError later."""
    try:
        return len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise ConfigError(field_name, RULE_UTF8, value) from None


def check_channel(value: str) -> str:
    if not value:
        raise ConfigError("channel", RULE_CHANNEL_EMPTY)
    if _utf8_size("channel", value) > CHANNEL_MAX_BYTES:
        raise ConfigError("channel", RULE_CHANNEL_BYTES, value)
    if not _CHANNEL_ALLOWED.fullmatch(value):
        bad = sorted({c for c in value if not _CHANNEL_ALLOWED.fullmatch(c)})
        raise ConfigError("channel", f"{RULE_CHANNEL_CHARS}; not allowed: {''.join(bad)!r}")
    return value


def check_extra_info(value: str) -> str:
    size = _utf8_size("extraInfo", value)
    if size > EXTRA_INFO_MAX_BYTES:
        raise ConfigError("extraInfo", f"{RULE_EXTRA_INFO}; this is {size} bytes")
    return value


def check_prefix(value: str) -> str:
    if not value:
        return ""
    if len(value) > PREFIX_MAX_CHARS:
        raise ConfigError("prefix", f"{RULE_PREFIX_LEN}; this is {len(value)}")
    for part in value.split("/"):
        if not _PREFIX_PART.fullmatch(part):
            raise ConfigError("prefix", RULE_PREFIX_PART, value)
    return value


def check_http_url(field_name: str, value: str, *, required: bool) -> str:
    if not value:
        if required:
            raise ConfigError(field_name, f"must be {RULE_HTTP_URL}")
        return ""
    _utf8_size(field_name, value)
    try:
        parts = urlsplit(value)  # a bracket left open ("http://[::1") is a ValueError
    except ValueError as exc:
        raise ConfigError(field_name, f"must be {RULE_HTTP_URL}; {exc}", value) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(field_name, f"must be {RULE_HTTP_URL}", value)
    try:
        _ = parts.port
    except ValueError:
        raise ConfigError(field_name, f"must be {RULE_HTTP_URL} and a valid port", value) from None
    return value


def check_bucket(value: str) -> str:
    if not _BUCKET.fullmatch(value) or any(bad in value for bad in ("..", ".-", "-.")):
        raise ConfigError("bucket", RULE_BUCKET, value)
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", value):
        raise ConfigError("bucket", f"{RULE_BUCKET}; not formatted like an IP address", value)
    return value


def check_region(value: str) -> str:
    if not _REGION.fullmatch(value):
        raise ConfigError("region", RULE_REGION, value)
    return value


def check_host(value: str) -> str:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ConfigError("webhook_host", RULE_HOST, value) from None
    return value


class SourceKind(StrEnum):
    """What a `--source` value names; `source_kind` reads it."""

    AUTO = "auto"
    PATTERN = "pattern"
    CAMERA = "camera"
    STREAM = "stream"
    FILE = "file"


def source_kind(value: str) -> SourceKind:
    """What `value` names, or ConfigError('source'). A file must exist, but whether OpenCV can
    play it is known only when it opens."""
    text = value.strip()
    if not text:
        raise ConfigError("source", f"must be {RULE_SOURCE}")
    if text == SourceKind.AUTO:  # as its callers test for it
        return SourceKind.AUTO
    if text.lower() in SOURCE_PATTERN_NAMES:
        return SourceKind.PATTERN
    if text.isascii() and text.isdigit():  # not str.isdigit alone: '²' is a digit to it
        if len(text) > len(str(CAMERA_INDEX_MAX)) or int(text) > CAMERA_INDEX_MAX:
            raise ConfigError("source", f"must be {RULE_SOURCE}; no such camera index", value)
        return SourceKind.CAMERA
    if text.lower().startswith(STREAM_SCHEMES):
        return SourceKind.STREAM
    if "://" in text:
        raise ConfigError("source", f"must be {RULE_SOURCE}; unknown URL scheme", value)
    if not os.path.isfile(text):
        raise ConfigError("source", f"must be {RULE_SOURCE}; no such file", value)
    return SourceKind.FILE


def check_folder(field_name: str, value: str) -> str:
    """A folder path as given (empty for the default), checked on the disk: what exists of it
    must be a folder, and a file can be made there (so a missing folder can be created), which
    a regular file, a device or /proc cannot. Meant for flags, read once at start; a form
    typing a path would probe the disk on every keystroke."""
    if not value:
        return value
    if "\0" in value:  # the disk calls would refuse it only later (os.path.lexists says no)
        raise ConfigError(field_name, f"{RULE_FOLDER}; no NUL character", value)
    try:
        existing = _nearest_existing(Path(value).expanduser())
    except (OSError, RuntimeError) as exc:  # RuntimeError: '~nobody' has no home folder
        raise ConfigError(field_name, f"{RULE_FOLDER} ({_reason(exc)})", value) from None
    if not existing.is_dir():
        raise ConfigError(field_name, f"{RULE_FOLDER}; {existing} is not a folder", value)
    try:
        fd, probe = tempfile.mkstemp(prefix=".shothook-probe-", dir=existing)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        rule = f"{RULE_FOLDER}; cannot write in {existing} ({_reason(exc)})"
        raise ConfigError(field_name, rule, value) from None
    return value


def check_output_file(field_name: str, value: str) -> Path:
    """A file to write (a report, an export): not a folder, in a folder that can be written
    (made when missing). Checked before the work that fills it, not after."""
    path = Path(value).expanduser()
    if not value or value.endswith(("/", os.sep)) or path.is_dir():
        raise ConfigError(field_name, "a file name to write, not a folder", value)
    check_folder(field_name, str(path.parent))
    return path


def _reason(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _nearest_existing(path: Path) -> Path:
    """`path`, or its nearest ancestor that exists."""
    for candidate in (path, *path.absolute().parents):
        if os.path.lexists(candidate):
            return candidate
    return Path(path.anchor or ".")


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


RULE_FORWARD_LOOP = (
    "must not be the embedded webhook's own URL (it would forward to itself forever)"
)


def is_loop(target: str, own_urls: Sequence[str]) -> bool:
    """Whether `target` is one of the webhook's own callback URLs (a forward would come back
    to it forever): same port and path, on the same host or both on loopback."""
    try:
        t = urlsplit(target)
        t_port = t.port or (443 if t.scheme == "https" else 80)
    except ValueError:
        return False
    for own in own_urls:
        o = urlsplit(own)
        same_host = t.hostname == o.hostname or (
            is_loopback(t.hostname or "") and is_loopback(o.hostname or "")
        )
        same_path = (t.path or "/").rstrip("/") == (o.path or "/").rstrip("/")
        if same_host and same_path and t_port == (o.port or 80):
            return True
    return False


def choice_of(kind: type[_E], field_name: str) -> Callable[[str], _E]:
    """The check of a setting that takes one of `kind`'s values."""
    rule = "one of " + ", ".join(member.value for member in kind)

    def check(value: str) -> _E:
        try:
            return kind(value)
        except ValueError:
            raise ConfigError(field_name, rule, value) from None

    return check


def as_secret(value: str | Secret) -> Secret:
    """A secret key as typed, or one already hidden."""
    return value if isinstance(value, Secret) else Secret(value)
