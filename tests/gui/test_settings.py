"""Settings in the window: inline rule messages as you type, Start follows validity, values
persist (the secret key only in a keyring), flags override saved values; the form's rows are
the settings table's."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from capture.settings import table
from capture.settings.model import StorageKind
from capture.settings.store import KeyringSecrets, SessionSecrets
from gui.app import App
from gui.settings.fields import FormSection
from gui.settings.form import SettingsForm
from tests.support.settings import EXAMPLES, every_setting_changed

AppFactory = Callable[..., App]
CloseApp = Callable[[App], list[str]]
SECRET = "do-not-write-me-to-disk"


class MemoryKeyring:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


BROKEN = [
    ("interval", "0", "Interval (s): whole seconds from 1 to 3600"),
    ("interval", "3601", "Interval (s): whole seconds from 1 to 3600"),
    ("interval", "ten", "Interval (s): whole seconds from 1 to 3600"),
    ("uid", "4294967296", "User id (uid): a whole number from 1 to 4294967295"),
    ("uid", "0", "0 is not allowed"),
    ("channel", "a/b", "Channel: only letters, digits, space and"),
    ("channel", "x" * 64, "Channel: must be fewer than 64 bytes"),
    ("extra_info", "é" * 513, "extraInfo: at most 1024 bytes"),
    ("users", "65", "Simulated users: a whole number from 1 to 64"),
    ("quality", "101", "JPEG quality: a whole number from 1 to 100"),
]


def test_each_broken_rule_disables_start_and_shows_the_rule_under_its_field(
    qtbot: QtBot, make_app: AppFactory
) -> None:
    app = make_app()
    panel = app.window.form.capture
    start = app.window.start_button
    for field, text, rule in BROKEN:
        editor = getattr(panel, field)
        good = editor.text()
        assert start.isEnabled()
        editor.setText(text)  # as typed: textChanged fires per edit
        assert not start.isEnabled(), field
        name = {"extra_info": "extraInfo", "quality": "jpeg_quality"}.get(field, field)
        assert rule in panel.error_text(name)
        assert rule in start.toolTip()
        assert editor.property("invalid") is True
        editor.setText(good)
        assert panel.error_text(name) == ""


def test_fixing_the_value_enables_start_again(qtbot: QtBot, make_app: AppFactory) -> None:
    app = make_app()
    panel = app.window.form.capture
    panel.interval.setText("0")
    assert not app.window.start_button.isEnabled()
    panel.interval.setText("5")
    assert app.window.start_button.isEnabled()
    assert panel.error_text("interval") == ""
    panel.uid.setText("4294967295")  # the top of the range, beyond a QSpinBox
    assert app.window.start_button.isEnabled()
    assert app.window.form.settings().capture.uid == 4_294_967_295


def test_storage_and_webhook_rules_also_gate_start(qtbot: QtBot, make_app: AppFactory) -> None:
    app = make_app()
    storage = app.window.form.storage
    storage.kind.setCurrentIndex(storage.kind.findData(StorageKind.S3.value))
    storage.bucket.setText("No_Such Bucket")
    assert not app.window.start_button.isEnabled()
    assert "Bucket: 3 to 63 characters" in storage.s3.error_text("bucket")
    storage.bucket.setText("shots")
    storage.access_key.setText("AKIDEXAMPLE")
    assert "give both access key and secret key" in storage.s3.error_text("secret_key")
    storage.secret_key.setText(SECRET)
    assert app.window.start_button.isEnabled()
    storage.preset.setCurrentIndex(storage.preset.findText("Cloudflare R2"))
    storage.preset.activated.emit(storage.preset.currentIndex())
    assert "replace ACCOUNT_ID" in storage.s3.error_text("endpoint")
    assert not app.window.start_button.isEnabled()
    storage.kind.setCurrentIndex(storage.kind.findData(StorageKind.LOCAL.value))
    webhook = app.window.form.webhook
    webhook.callback_url.setText("ftp://example")
    assert "Callback URL: must be an http:// or https:// URL" in webhook.error_text("callback_url")
    assert not app.window.start_button.isEnabled()


def test_presets_fill_endpoint_region_and_addressing(qtbot: QtBot, make_app: AppFactory) -> None:
    storage = make_app().window.form.storage
    storage.kind.setCurrentIndex(storage.kind.findData(StorageKind.S3.value))
    storage.preset.setCurrentIndex(storage.preset.findText("Alibaba OSS"))
    storage.preset.activated.emit(storage.preset.currentIndex())
    assert storage.endpoint.text() == "https://oss-cn-hangzhou.aliyuncs.com"
    assert storage.region.text() == "cn-hangzhou"
    assert storage.addressing.currentData() == "virtual"
    assert "virtual-hosted" in storage.preset_note.text()


def test_settings_persist_between_runs_and_flags_override_them(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp, data_path: Path
) -> None:
    first = make_app()
    first.window.form.capture.channel.setText("persisted channel")
    first.window.form.capture.interval.setText("42")
    assert close_app(first) == []
    saved = json.loads((data_path / "settings.json").read_text(encoding="utf-8"))
    assert saved["capture"]["channel"] == "persisted channel"

    second = make_app("--interval", "7")
    capture = second.window.form.settings().capture
    assert capture.channel == "persisted channel"
    assert capture.interval == 7  # the flag wins over the saved value
    assert second.window.form.capture.interval.text() == "7"


def test_an_invalid_saved_value_is_reset_with_a_visible_warning(
    qtbot: QtBot, make_app: AppFactory, data_path: Path
) -> None:
    data_path.mkdir(parents=True)
    (data_path / "settings.json").write_text(
        json.dumps({"capture": {"interval": 0, "channel": "kept"}}), encoding="utf-8"
    )
    app = make_app()
    assert app.window.form.settings().capture.interval == 10
    assert app.window.form.settings().capture.channel == "kept"
    assert "settings" in app.window.banners.active()
    assert "Interval (s): whole seconds from 1 to 3600" in app.window.banners.text("settings")


def fill_s3(app: App) -> None:
    storage = app.window.form.storage
    storage.kind.setCurrentIndex(storage.kind.findData(StorageKind.S3.value))
    storage.bucket.setText("shots")
    storage.access_key.setText("AKIDEXAMPLE")
    storage.secret_key.setText(SECRET)


def test_with_a_keyring_the_secret_key_is_kept_there_and_never_in_the_file(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp, data_path: Path
) -> None:
    keyring = MemoryKeyring()
    first = make_app(secrets=KeyringSecrets(keyring, "test keyring"))
    note = first.window.form.storage.secret_note
    qtbot.waitUntil(lambda: "saved in the system keyring" in note.text())
    fill_s3(first)
    assert close_app(first) == []
    assert SECRET not in (data_path / "settings.json").read_text(encoding="utf-8")
    assert list(keyring.entries.values()) == [SECRET]

    second = make_app(secrets=KeyringSecrets(keyring, "test keyring"))
    qtbot.waitUntil(lambda: second.window.form.storage.secret_key.text() == SECRET)


def test_without_a_keyring_the_secret_key_lasts_only_this_session_and_says_so(
    qtbot: QtBot, make_app: AppFactory, close_app: CloseApp, data_path: Path
) -> None:
    first = make_app(secrets=SessionSecrets())
    note = first.window.form.storage.secret_note
    qtbot.waitUntil(lambda: "this session only" in note.text())
    fill_s3(first)
    assert close_app(first) == []
    assert SECRET not in (data_path / "settings.json").read_text(encoding="utf-8")
    assert not list(data_path.rglob("*")) or all(
        SECRET.encode() not in p.read_bytes() for p in data_path.rglob("*") if p.is_file()
    )
    second = make_app(secrets=SessionSecrets())
    assert second.window.form.storage.access_key.text() == "AKIDEXAMPLE"
    assert second.window.form.storage.secret_key.text() == ""


def test_a_flag_that_breaks_a_rule_stops_the_window_from_opening(
    qtbot: QtBot, make_app: AppFactory
) -> None:
    from capture.errors import ConfigError

    with pytest.raises(ConfigError, match="interval: whole seconds"):
        make_app("--interval", "0")


# -- the form's rows are the settings table's ---------------------------------------------------

AIDS = {"preset", "embedded"}  # rows that help fill in settings but are none themselves


def settings_form(qtbot: QtBot, tmp_path: Path) -> SettingsForm:
    form = SettingsForm(tmp_path / "storage")
    qtbot.addWidget(form)
    return form


def test_every_setting_with_a_label_has_one_form_row_and_every_row_is_a_setting(
    qtbot: QtBot, tmp_path: Path
) -> None:
    form = settings_form(qtbot, tmp_path)
    sections = form.findChildren(FormSection)
    rows = [setting for section in sections for setting in section.settings()]
    assert sorted(s.field for s in rows) == sorted(s.field for s in table.SETTINGS if s.label)
    others = {f for section in sections for f in section.fields()} - {s.field for s in rows}
    assert others == AIDS
    for section in sections:
        for setting in section.settings():
            editor = section.editor(setting.field)
            [caption] = [c for c in section.findChildren(QLabel) if c.buddy() is editor]
            assert caption.text() == setting.label
            if isinstance(editor, QLineEdit) and setting.placeholder:
                assert editor.placeholderText() == setting.placeholder
            notes = [n.text() for n in section.findChildren(QLabel)]
            assert not setting.note or setting.note in notes


def test_the_form_shows_and_gives_back_every_setting(qtbot: QtBot, tmp_path: Path) -> None:
    form = settings_form(qtbot, tmp_path)
    changed = every_setting_changed()
    form.set_settings(changed)
    assert form.problems() == []
    got = form.settings()
    for setting, value in EXAMPLES.items():
        assert getattr(getattr(got, setting.group), setting.name) == value, setting.name
    assert got == changed


def test_the_webhook_tab_has_forward_to_and_it_round_trips(qtbot: QtBot, tmp_path: Path) -> None:
    """--forward-to's row: given back as typed, a loop to the webhook itself and a non-http
    URL shown under the field."""
    form = settings_form(qtbot, tmp_path)
    webhook = form.webhook
    assert webhook.editor("forward_to") is webhook.forward_to
    form.set_settings(every_setting_changed())
    assert webhook.forward_to.text() == EXAMPLES[table.FORWARD_TO]
    webhook.forward_to.setText("  http://127.0.0.1:9000/hook  ")
    assert form.problems() == []
    assert form.settings().callback.forward_to == "http://127.0.0.1:9000/hook"
    webhook.port.setText("8787")
    webhook.forward_to.setText("http://localhost:8787/callback")
    assert [p.field for p in form.problems()] == ["forward_to"]
    webhook.show_problems(form.problems())
    assert "own URL" in webhook.error_text("forward_to")
    webhook.forward_to.setText("ftp://127.0.0.1/hook")
    assert [p.field for p in form.problems()] == ["forward_to"]
