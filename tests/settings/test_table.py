"""The settings table is the one declaration of each setting: the dataclasses hold exactly its
settings with its defaults, names and flags are unique, and every setting has an example."""

from __future__ import annotations

from dataclasses import fields

import pytest

from capture.errors import ConfigError
from capture.settings import table
from capture.settings.model import (
    CallbackSettings,
    CaptureSettings,
    Settings,
    StorageKind,
    StorageSettings,
)
from capture.settings.rules import as_secret
from capture.storage.spool import DEFAULT_CAP_BYTES, DEFAULT_KEEP_UPLOADED_BYTES
from tests.support.settings import BROKEN, EXAMPLES, every_setting_changed

GROUP_CLASSES = {
    "capture": CaptureSettings,
    "storage": StorageSettings,
    "callback": CallbackSettings,
}


def test_the_settings_groups_are_the_tables() -> None:
    assert [f.name for f in fields(Settings)] == list(table.GROUPS) == list(GROUP_CLASSES)


@pytest.mark.parametrize("group", table.GROUPS)
def test_each_dataclass_holds_its_groups_settings_in_order_with_their_defaults(
    group: str,
) -> None:
    cls = GROUP_CLASSES[group]
    entries = table.in_group(group)
    assert [f.name for f in fields(cls)] == [s.name for s in entries]
    defaults = cls()
    for setting in entries:
        value = getattr(defaults, setting.name)
        assert value == setting.default, setting.name
        assert type(value) is type(setting.default), setting.name


def test_names_fields_and_flags_are_each_declared_once() -> None:
    keys = [(s.group, s.name) for s in table.SETTINGS]
    error_fields = [s.field for s in table.SETTINGS]
    flags = [s.flag for s in table.SETTINGS if s.flag] + [r.flag for r in table.RUN_OPTIONS]
    for declared in (keys, error_fields, flags):
        assert len(declared) == len(set(declared)), declared
    assert {s.group for s in table.SETTINGS} == set(table.GROUPS)
    assert {r.section for r in table.RUN_OPTIONS} <= set(table.SECTIONS)


def test_every_setting_with_a_flag_has_a_metavar_and_help() -> None:
    for setting in (s for s in table.SETTINGS if s.flag):
        assert setting.flag.startswith("--") and setting.metavar and setting.help, setting.name


def test_each_check_takes_its_default_and_its_text() -> None:
    defaults = Settings()
    for setting in table.SETTINGS:
        if not setting.applies_to(getattr(defaults, setting.group)):
            continue  # an S3 setting's default (no bucket) is checked only once S3 is chosen
        assert setting.check(setting.default) == setting.default, setting.name
        if not setting.secret:
            assert setting.check(str(setting.default)) == setting.default, setting.name


def test_a_broken_rule_names_the_settings_field() -> None:
    assert set(BROKEN) == {s for s in table.SETTINGS if s.check not in (str, as_secret)}
    for setting, text in BROKEN.items():
        with pytest.raises(ConfigError) as info:
            setting.check(text)
        assert info.value.field == setting.field, setting.name
        assert str(info.value).startswith(f"{setting.field}: ")


def test_a_url_flag_requires_a_url_where_the_form_allows_none() -> None:
    # An empty --s3-endpoint is not AWS (leaving the flag out is): it is an unset variable.
    for setting in (table.CALLBACK_URL, table.PUBLIC_URL, table.ENDPOINT):
        assert setting.check("") == ""
        with pytest.raises(ConfigError, match=f"^{setting.field}: must be an http"):
            setting.from_flag("")


def test_every_setting_has_an_example_unlike_its_default_that_breaks_no_rule() -> None:
    assert set(EXAMPLES) == set(table.SETTINGS)
    for setting, value in EXAMPLES.items():
        assert value != setting.default, setting.name
        assert setting.check(value) == value, setting.name
    assert every_setting_changed().problems() == []


def test_a_storage_kinds_settings_are_checked_only_for_that_kind() -> None:
    s3_only = {s for s in table.in_group("storage") if s.only_for is StorageKind.S3}
    assert {table.ENDPOINT, table.REGION, table.BUCKET} <= s3_only
    local = StorageSettings(bucket="X", region="bad region", endpoint="nope")
    assert all(not s.applies_to(local) for s in s3_only)
    assert local.problems() == []
    s3 = StorageSettings(kind=StorageKind.S3, bucket="X", region="bad region", endpoint="nope")
    assert {p.field for p in s3.problems()} == {"bucket", "region", "endpoint"}


def test_only_the_secret_key_is_secret_and_it_stays_out_of_the_public_dict() -> None:
    assert [s.name for s in table.SETTINGS if s.secret] == ["secret_key"]
    public = every_setting_changed().to_public_dict()
    for setting in table.SETTINGS:
        assert (setting.name in public[setting.group]) is not setting.secret, setting.name


def test_the_spool_cap_help_states_the_spools_default() -> None:
    [spool_cap] = [r for r in table.RUN_OPTIONS if r.flag == "--spool-cap-mb"]
    assert f"(default {DEFAULT_CAP_BYTES // 2**20})" in spool_cap.help


def test_the_spool_keep_help_states_the_spools_default() -> None:
    [spool_keep] = [r for r in table.RUN_OPTIONS if r.flag == "--spool-keep-mb"]
    assert f"(default {DEFAULT_KEEP_UPLOADED_BYTES // 2**20};" in spool_keep.help
