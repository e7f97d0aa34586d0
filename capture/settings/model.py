"""Typed settings: the settings table's entries (`table.py`) as three groups of typed values,
with the table's defaults, and every broken rule at once (`problems`) so a form can show them
all. The value types and rules live in `rules.py`; `__all__` passes on those that ShotHook's
modules import along with the settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any, TypeVar

from capture.errors import ConfigError
from capture.settings import table
from capture.settings.rules import (
    CHANNEL_SPECIALS,
    INTERVAL_MAX,
    INTERVAL_MIN,
    PREFIX_MAX_CHARS,
    RULE_FORWARD_LOOP,
    UID_MAX,
    USERS_MAX,
    AddressingStyle,
    Secret,
    StorageKind,
    check_bucket,
    check_channel,
    check_extra_info,
    check_host,
    check_http_url,
    check_interval,
    check_jpeg_quality,
    check_port,
    check_prefix,
    check_region,
    check_uid,
    check_users,
    check_users_fit,
    is_loop,
    is_loopback,
)

__all__ = [
    "CHANNEL_SPECIALS",
    "INTERVAL_MAX",
    "INTERVAL_MIN",
    "KEY_PAIR",
    "PREFIX_MAX_CHARS",
    "UID_MAX",
    "USERS_MAX",
    "AddressingStyle",
    "CallbackSettings",
    "CaptureSettings",
    "Secret",
    "Settings",
    "StorageKind",
    "StorageSettings",
    "check_bucket",
    "check_channel",
    "check_extra_info",
    "check_host",
    "check_http_url",
    "check_interval",
    "check_jpeg_quality",
    "check_port",
    "check_prefix",
    "check_region",
    "check_uid",
    "check_users",
    "check_users_fit",
    "is_loopback",
]

_T = TypeVar("_T")
# The rule between two settings that names either: checked once the secret key is known.
KEY_PAIR = (table.ACCESS_KEY, table.SECRET_KEY)
RULE_KEY_PAIR = (
    "give both access key and secret key, or neither to use the standard AWS credential chain"
)


@dataclass(frozen=True)
class CaptureSettings:
    """Client side (the SDK's ContentInspectConfig) plus how ShotHook captures."""

    source: str = table.SOURCE.default
    interval: int = table.INTERVAL.default
    channel: str = table.CHANNEL.default
    uid: int = table.UID.default
    extra_info: str = table.EXTRA_INFO.default
    jpeg_quality: int = table.JPEG_QUALITY.default
    users: int = table.USERS.default

    def problems(self) -> list[ConfigError]:
        return _collect(*_rules("capture", self), partial(check_users_fit, self.uid, self.users))


@dataclass(frozen=True)
class StorageSettings:
    """Console side: where shots go. `directory` empty means the default local folder."""

    kind: StorageKind = table.KIND.default
    directory: str = table.DIRECTORY.default
    prefix: str = table.PREFIX.default
    endpoint: str = table.ENDPOINT.default
    region: str = table.REGION.default
    bucket: str = table.BUCKET.default
    access_key: str = table.ACCESS_KEY.default
    secret_key: Secret = table.SECRET_KEY.default
    addressing_style: AddressingStyle = table.ADDRESSING_STYLE.default

    def problems(self) -> list[ConfigError]:
        checks = _rules("storage", self)
        if self.kind is StorageKind.S3 and bool(self.access_key) != bool(self.secret_key):
            missing = table.SECRET_KEY if self.access_key else table.ACCESS_KEY
            checks.append(partial(_fail, missing.field, RULE_KEY_PAIR))
        return _collect(*checks)


@dataclass(frozen=True)
class CallbackSettings:
    """Where notifications go (empty url: the embedded webhook) and how the webhook verifies."""

    url: str = table.CALLBACK_URL.default
    public_url: str = table.PUBLIC_URL.default
    webhook_host: str = table.WEBHOOK_HOST.default
    webhook_port: int = table.WEBHOOK_PORT.default
    forward_to: str = table.FORWARD_TO.default

    def problems(self) -> list[ConfigError]:
        return _collect(*_rules("callback", self), self._no_forward_loop)

    def _no_forward_loop(self) -> None:
        """A forward to the webhook's own callback URL would come back to it forever."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.webhook_host, self.webhook_host)
        shown = f"[{host}]" if ":" in host else host
        own = f"http://{shown}:{self.webhook_port}/callback"
        if self.forward_to and is_loop(self.forward_to, [own]):
            raise ConfigError(table.FORWARD_TO.field, RULE_FORWARD_LOOP, self.forward_to)


@dataclass(frozen=True)
class Settings:
    capture: CaptureSettings = field(default_factory=CaptureSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    callback: CallbackSettings = field(default_factory=CallbackSettings)

    def problems(self) -> list[ConfigError]:
        return self.capture.problems() + self.storage.problems() + self.callback.problems()

    def validated(self) -> Settings:
        """Return self, or raise the first broken rule."""
        problems = self.problems()
        if problems:
            raise problems[0]
        return self

    def to_public_dict(self) -> dict[str, Any]:
        """Everything but the secret key: safe for files, the journal and exports."""
        return {
            group: {
                s.name: _plain(getattr(getattr(self, group), s.name))
                for s in table.in_group(group)
                if not s.secret
            }
            for group in table.GROUPS
        }

    @classmethod
    def from_public_dict(cls, data: dict[str, Any]) -> Settings:
        """Rebuild from `to_public_dict` output; unknown keys are ignored, missing ones default.
        Secrets never come from it (the settings store adds the secret key from its keyring)."""
        capture = _build(CaptureSettings, "capture", data.get("capture", {}))
        storage = _build(StorageSettings, "storage", data.get("storage", {}))
        callback = _build(CallbackSettings, "callback", data.get("callback", {}))
        return cls(capture=capture, storage=storage, callback=callback)


def _rules(group: str, values: object) -> list[Callable[[], object]]:
    """Each setting's check of its value in `values`, where it applies."""
    return [
        partial(s.check, getattr(values, s.name))
        for s in table.in_group(group)
        if s.applies_to(values)
    ]


def _plain(value: object) -> object:
    return value.value if isinstance(value, StrEnum) else value


def _build(cls: Callable[..., _T], group: str, raw: object) -> _T:
    """`cls` from a saved group: values of the wrong type are left out (so they default)."""
    if not isinstance(raw, dict):
        return cls()
    kwargs: dict[str, Any] = {}
    for s in table.in_group(group):
        if s.name not in raw or s.secret:
            continue
        kind = type(s.default)
        value = raw[s.name]
        try:
            value = kind(value) if isinstance(s.default, StrEnum) else value
        except ValueError:
            continue
        if isinstance(value, kind) and not isinstance(value, bool):
            kwargs[s.name] = value
    return cls(**kwargs)


def _fail(field_name: str, rule: str) -> None:
    raise ConfigError(field_name, rule)


def _collect(*checks: Callable[[], object]) -> list[ConfigError]:
    problems: list[ConfigError] = []
    for check in checks:
        try:
            check()
        except ConfigError as exc:
            problems.append(exc)
    return problems
