"""Settings persist as typed JSON with defaults; the secret key never reaches the file."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from capture.settings import table
from capture.settings.model import (
    AddressingStyle,
    CaptureSettings,
    Secret,
    Settings,
    StorageKind,
    StorageSettings,
)
from capture.settings.store import (
    KEYRING_SERVICE,
    KeyringSecrets,
    SessionSecrets,
    SettingsStore,
    default_secret_store,
    secret_account,
)
from tests.support.settings import BROKEN, EXAMPLES, every_setting_changed

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


class MemoryKeyring:
    """A keyring backend we control (never the user's real keyring)."""

    def __init__(self, *, broken: bool = False) -> None:
        self.entries: dict[tuple[str, str], str] = {}
        self.broken = broken

    def get_password(self, service: str, username: str) -> str | None:
        if self.broken:
            raise RuntimeError("keyring locked")
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.broken:
            raise RuntimeError("keyring locked")
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.entries[(service, username)]


def s3_settings() -> Settings:
    return Settings(
        capture=CaptureSettings(interval=5, channel="lobby 1", uid=4_294_967_295),
        storage=StorageSettings(
            kind=StorageKind.S3,
            endpoint="https://oss-cn-hangzhou.aliyuncs.com",
            region="cn-hangzhou",
            bucket="shots",
            access_key="AKIDEXAMPLE",
            secret_key=Secret(SECRET),
            addressing_style=AddressingStyle.VIRTUAL,
        ),
    )


def test_missing_file_gives_defaults_without_warnings(tmp_path: Path) -> None:
    loaded = SettingsStore(tmp_path / "settings.json", SessionSecrets()).load()
    assert loaded.settings == Settings()
    assert loaded.warnings == []


def test_round_trip_with_keyring_keeps_the_secret_out_of_the_file(tmp_path: Path) -> None:
    backend = MemoryKeyring()
    path = tmp_path / "settings.json"
    SettingsStore(path, KeyringSecrets(backend)).save(s3_settings())

    assert SECRET not in path.read_text(encoding="utf-8")
    assert backend.entries == {(KEYRING_SERVICE, secret_account(s3_settings())): SECRET}
    loaded = SettingsStore(path, KeyringSecrets(backend)).load()
    assert loaded.settings == s3_settings()
    assert loaded.settings.storage.secret_key.reveal() == SECRET
    assert loaded.warnings == []


def test_every_setting_round_trips(tmp_path: Path) -> None:
    """Each setting of the table, at a value unlike its default, comes back as it was saved."""
    backend = MemoryKeyring()
    path = tmp_path / "settings.json"
    saved = every_setting_changed()
    SettingsStore(path, KeyringSecrets(backend)).save(saved)
    loaded = SettingsStore(path, KeyringSecrets(backend)).load()
    assert loaded.warnings == []
    for setting, value in EXAMPLES.items():
        assert getattr(getattr(loaded.settings, setting.group), setting.name) == value, setting
    assert loaded.settings == saved


def test_without_keyring_the_secret_lasts_only_for_the_session(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    secrets = SessionSecrets()
    SettingsStore(path, secrets).save(s3_settings())
    assert SECRET not in path.read_text(encoding="utf-8")
    assert not secrets.persistent
    assert "this session only" in secrets.where
    same_session = SettingsStore(path, secrets).load().settings
    assert same_session.storage.secret_key.reveal() == SECRET
    next_run = SettingsStore(path, SessionSecrets()).load().settings
    assert next_run.storage.access_key == "AKIDEXAMPLE"
    assert not next_run.storage.secret_key


def test_a_keyring_that_fails_falls_back_to_the_session_and_says_so(tmp_path: Path) -> None:
    secrets = KeyringSecrets(MemoryKeyring(broken=True))
    assert "system keyring" in secrets.where
    store = SettingsStore(tmp_path / "settings.json", secrets)
    store.save(s3_settings())
    assert not secrets.persistent
    assert "this session only" in secrets.where
    assert store.load().settings.storage.secret_key.reveal() == SECRET


def test_clearing_the_secret_deletes_the_keyring_entry(tmp_path: Path) -> None:
    backend = MemoryKeyring()
    store = SettingsStore(tmp_path / "settings.json", KeyringSecrets(backend))
    store.save(s3_settings())
    cleared = s3_settings()
    store.save(replace(cleared, storage=replace(cleared.storage, secret_key=Secret())))
    assert backend.entries == {}


def test_file_is_typed_json_and_written_atomically(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    SettingsStore(path, SessionSecrets()).save(s3_settings())
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert data["capture"]["uid"] == 4_294_967_295
    assert data["storage"]["addressing_style"] == "virtual"
    assert "secret_key" not in data["storage"]
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]  # no temp file left


@pytest.mark.parametrize(
    ("group", "name", "bad", "expected", "says"),
    [
        ("capture", "interval", 0, 10, "Interval (s): whole seconds from 1 to 3600"),
        ("capture", "interval", "ten", 10, "'ten' is not valid"),
        (
            "capture",
            "uid",
            4_294_967_296,
            1001,
            "User id (uid): a whole number from 1 to 4294967295",
        ),
        ("capture", "channel", "a/b", "shothook-demo", "Channel: only letters"),
        ("capture", "jpeg_quality", True, 85, "True is not valid"),
        ("storage", "prefix", "a//b", "", "Filename prefix: parts joined by '/'"),
        ("storage", "addressing_style", "sideways", "auto", "'sideways' is not valid"),
        ("callback", "webhook_port", 70000, 8787, "Port: a whole number from 0"),
        ("callback", "url", "ftp://x", "", "Callback URL: must be an http:// or https://"),
    ],
)
def test_an_invalid_saved_value_falls_back_to_its_default_with_a_warning(
    tmp_path: Path, group: str, name: str, bad: object, expected: object, says: str
) -> None:
    path = tmp_path / "settings.json"
    good = Settings(capture=CaptureSettings(channel="kept", interval=7))
    data = good.to_public_dict()
    data[group][name] = bad
    path.write_text(json.dumps(data), encoding="utf-8")

    loaded = SettingsStore(path, SessionSecrets()).load()
    value = getattr(getattr(loaded.settings, group), name)
    assert (value.value if hasattr(value, "value") else value) == expected
    assert any(says in w for w in loaded.warnings), loaded.warnings
    assert loaded.settings.problems() == []
    # the other values survive
    if name != "channel":
        assert loaded.settings.capture.channel == "kept"
    if name != "interval":
        assert loaded.settings.capture.interval == 7


@pytest.mark.parametrize("setting", list(BROKEN), ids=lambda s: s.name)
def test_a_saved_value_breaking_any_settings_rule_falls_back_to_its_default(
    tmp_path: Path, setting: table.Setting[Any]
) -> None:
    path = tmp_path / "settings.json"
    data = replace(every_setting_changed(), capture=CaptureSettings(channel="kept"))
    saved = data.to_public_dict()
    bad = BROKEN[setting]
    typed = type(setting.default)
    saved[setting.group][setting.name] = int(bad) if typed is int else bad
    path.write_text(json.dumps(saved), encoding="utf-8")

    loaded = SettingsStore(path, SessionSecrets()).load()
    value = getattr(getattr(loaded.settings, setting.group), setting.name)
    assert value == setting.default
    name = f"{setting.group}.{setting.name}"
    # said in the window's banner: the row's label, as the form shows it
    assert any(w.startswith((f"{setting.label}: ", f"{name}: ")) for w in loaded.warnings)
    if setting is not table.CHANNEL:
        assert loaded.settings.capture.channel == "kept"


def test_uid_plus_users_beyond_32_bits_resets_to_valid_values(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    data = Settings().to_public_dict()
    data["capture"].update(uid=4_294_967_290, users=10)
    path.write_text(json.dumps(data), encoding="utf-8")
    loaded = SettingsStore(path, SessionSecrets()).load()
    assert loaded.settings.problems() == []
    assert any("uid" in w for w in loaded.warnings)


def test_unknown_keys_and_sections_are_ignored_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    data = Settings().to_public_dict()
    data["capture"]["colour"] = "blue"
    data["theme"] = {"dark": True}
    path.write_text(json.dumps(data), encoding="utf-8")
    loaded = SettingsStore(path, SessionSecrets()).load()
    assert loaded.settings == Settings()
    assert any("capture.colour" in w for w in loaded.warnings)
    assert any("'theme'" in w for w in loaded.warnings)


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", ""])
def test_an_unreadable_file_gives_defaults_with_a_warning(tmp_path: Path, text: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(text, encoding="utf-8")
    loaded = SettingsStore(path, SessionSecrets()).load()
    assert loaded.settings == Settings()
    assert loaded.warnings and "using defaults" in loaded.warnings[0]


def test_default_store_without_a_keyring_is_session_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    import keyring.core

    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    store = default_secret_store()
    assert isinstance(store, SessionSecrets)
    assert not store.persistent
