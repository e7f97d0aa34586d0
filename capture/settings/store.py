"""Settings that persist between runs: the public part as JSON, the S3 secret key apart.

`settings.json` in the data folder holds `Settings.to_public_dict()` (never the secret key),
written atomically. On load, a value that is of the wrong type, unknown, or breaks its rule is
replaced by its default, with a warning naming the setting and the rule, so one bad line never
loses the rest.

The secret key goes to the OS keyring when one is available (`KeyringSecrets`); otherwise it
is kept in memory for this session only (`SessionSecrets`), and `SecretStore.where` says so
for the window to show.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from capture.errors import describe
from capture.logs import get_logger
from capture.paths import write_atomic
from capture.settings import table
from capture.settings.model import KEY_PAIR, Secret, Settings
from capture.settings.words import label

KEYRING_SERVICE = "ShotHook"
FILE_VERSION = 1
_log = get_logger(__name__)

# Checked once the secret is known, not against the file alone.
_SECRET_RULES = {s.field for s in KEY_PAIR}


# ---------------------------------------------------------------------------------------------
# Where the secret key lives.


class KeyringBackendLike(Protocol):
    """What we use of a `keyring` backend (any object with these methods will do)."""

    def get_password(self, service: str, username: str) -> str | None: ...

    def set_password(self, service: str, username: str, password: str) -> None: ...

    def delete_password(self, service: str, username: str) -> None: ...


class SecretStore(Protocol):
    persistent: bool  # True when the secret outlives this session
    where: str  # said in the window, next to the secret key field

    def get(self, account: str) -> str: ...

    def set(self, account: str, secret: str) -> None: ...


class SessionSecrets:
    """No keyring: secrets live in memory until the app exits."""

    persistent = False

    def __init__(self, why: str = "no system keyring is available") -> None:
        self.where = f"kept for this session only ({why}); enter it again after a restart"
        self._values: dict[str, str] = {}

    def get(self, account: str) -> str:
        return self._values.get(account, "")

    def set(self, account: str, secret: str) -> None:
        if secret:
            self._values[account] = secret
        else:
            self._values.pop(account, None)


class KeyringSecrets:
    """Secrets in the OS keyring, under service 'ShotHook'. Errors fall back to memory."""

    persistent = True

    def __init__(self, backend: KeyringBackendLike, name: str = "") -> None:
        self._backend = backend
        self.where = f"saved in the system keyring ({name or type(backend).__name__})"
        self._fallback = SessionSecrets("the system keyring refused it")

    def get(self, account: str) -> str:
        try:
            value = self._backend.get_password(KEYRING_SERVICE, account)
        except Exception as exc:
            _log.warning("keyring read failed: %s", describe(exc))
            return self._fallback.get(account)
        return value or self._fallback.get(account)

    def set(self, account: str, secret: str) -> None:
        try:
            if secret:
                self._backend.set_password(KEYRING_SERVICE, account, secret)
            elif self._backend.get_password(KEYRING_SERVICE, account) is not None:
                self._backend.delete_password(KEYRING_SERVICE, account)
        except Exception as exc:
            _log.warning("keyring write failed, keeping the secret for this session: %s", exc)
            self.persistent = False
            self.where = self._fallback.where
            self._fallback.set(account, secret)


class DeferredSecrets:
    """The SecretStore `make` returns, made on first use rather than at once: finding the OS
    keyring (importing `keyring`, probing its backends) took 0.15 to 0.2 s, which the window
    spends on a worker after its first frame instead of before it. Thread-safe."""

    def __init__(self, make: Callable[[], SecretStore]) -> None:
        self._make = make
        self._lock = threading.Lock()
        self._store: SecretStore | None = None

    @property
    def made(self) -> bool:
        return self._store is not None

    def resolve(self) -> SecretStore:
        with self._lock:
            if self._store is None:
                self._store = self._make()
            return self._store

    @property
    def persistent(self) -> bool:
        return self.resolve().persistent

    @persistent.setter
    def persistent(self, value: bool) -> None:
        self.resolve().persistent = value

    @property
    def where(self) -> str:
        return self.resolve().where

    @where.setter
    def where(self, value: str) -> None:
        self.resolve().where = value

    def get(self, account: str) -> str:
        return self.resolve().get(account)

    def set(self, account: str, secret: str) -> None:
        self.resolve().set(account, secret)


def default_secret_store() -> SecretStore:
    """The OS keyring when a usable one is configured, else session-only memory."""
    try:
        import keyring
        from keyring.backends import fail, null

        backend = keyring.get_keyring()
        usable = not isinstance(backend, fail.Keyring | null.Keyring) and backend.priority > 0
    except Exception as exc:
        _log.warning("no keyring: %s", describe(exc))
        return SessionSecrets()
    if not usable:
        return SessionSecrets()
    return KeyringSecrets(backend, getattr(backend, "name", ""))


def secret_account(settings: Settings) -> str:
    """The keyring entry for this storage's secret: one per endpoint and access key."""
    storage = settings.storage
    return f"s3:{storage.endpoint or 'aws'}:{storage.access_key}"


# ---------------------------------------------------------------------------------------------
# The settings file.


@dataclass(frozen=True)
class Loaded:
    settings: Settings
    warnings: list[str]


class SettingsStore:
    def __init__(self, path: Path, secrets: SecretStore) -> None:
        self.path = path
        self.secrets = secrets

    def load(self, *, with_secret: bool = True) -> Loaded:
        """The saved settings (defaults where missing or invalid). The secret key is read from
        its store too unless `with_secret` is False (the window reads it on a worker, as a
        keyring may take a while to answer)."""
        raw, warnings = self._read()
        settings, more = sanitize(raw)
        warnings += more
        if with_secret:
            settings = self.with_secret(settings)
        for warning in warnings:
            _log.warning("settings: %s", warning)
        return Loaded(settings, warnings)

    def with_secret(self, settings: Settings) -> Settings:
        """`settings` with the secret key stored for its access key (unchanged if none)."""
        if not settings.storage.access_key:
            return settings
        secret = self.secrets.get(secret_account(settings))
        return replace(settings, storage=replace(settings.storage, secret_key=Secret(secret)))

    def save(self, settings: Settings) -> None:
        data = {"version": FILE_VERSION, **settings.to_public_dict()}
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        write_atomic(self.path, text.encode("utf-8"))
        if settings.storage.access_key:
            self.secrets.set(secret_account(settings), settings.storage.secret_key.reveal())

    def _read(self) -> tuple[dict[str, Any], list[str]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}, []
        except OSError as exc:
            return {}, [f"cannot read {self.path.name} ({exc.strerror}); using defaults"]
        try:
            data = json.loads(text)
        except ValueError as exc:
            return {}, [f"{self.path.name} is not valid JSON ({exc}); using defaults"]
        if not isinstance(data, dict):
            return {}, [f"{self.path.name} does not hold an object; using defaults"]
        return data, []


def sanitize(raw: dict[str, Any]) -> tuple[Settings, list[str]]:
    """Settings from a saved dict: each wrong, unknown or rule-breaking value -> its default."""
    warnings: list[str] = []
    settings = Settings.from_public_dict(raw)
    public = settings.to_public_dict()
    for group, values in raw.items():
        if group == "version":
            continue
        if group not in public or not isinstance(values, dict):
            warnings.append(f"ignored unknown or malformed section {group!r}")
            continue
        for name, value in values.items():
            if name not in public[group]:
                warnings.append(f"ignored unknown setting {group}.{name}")
            elif public[group][name] != value:
                shown = public[group][name]
                warnings.append(f"{group}.{name}: {value!r} is not valid; using {shown!r}")
    for _ in table.SETTINGS:  # resetting one setting may reveal another's problem
        problems = [p for p in settings.problems() if p.field not in _SECRET_RULES]
        if not problems:
            break
        problem = problems[0]
        setting = table.by_field(problem.field)
        if setting is None:
            settings = Settings()
            warnings.append(f"{label(problem.field)}: {problem.rule}; using all defaults")
            break
        settings = _reset(settings, setting)
        if setting is table.UID and settings.capture.problems():
            settings = _reset(settings, table.USERS)
        said = f"{label(problem.field)}: {problem.rule}{problem.shown}"
        warnings.append(f"{said}; using {setting.default!r}")
    return settings, warnings


def _reset(settings: Settings, setting: table.Setting[Any]) -> Settings:
    changed = replace(getattr(settings, setting.group), **{setting.name: setting.default})
    return replace(settings, **{setting.group: changed})
