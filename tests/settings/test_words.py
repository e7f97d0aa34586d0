"""A broken rule said where the user typed it: the window by the field's label, the terminal by
its flag, always as a sentence."""

from __future__ import annotations

from typing import Any

import pytest

from capture.errors import ConfigError, ShotHookError, sentence
from capture.settings import table
from capture.settings.words import flag, in_window, label, on_command_line
from tests.support.settings import BROKEN


def broken(setting: table.Setting[Any]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        setting.from_flag(BROKEN[setting])
    return info.value


@pytest.mark.parametrize("setting", list(BROKEN), ids=lambda s: s.name)
def test_the_window_names_each_field_by_its_label_never_its_name_or_a_flag(
    setting: table.Setting[Any],
) -> None:
    said = in_window(broken(setting))
    assert said.startswith(f"{label(setting.field)}: "), said
    if label(setting.field) != setting.field:
        assert not said.startswith(f"{setting.field}:"), said
    assert "--" not in said, said
    assert said.endswith("."), said
    assert said[0].isupper() or said.startswith("extraInfo"), said


@pytest.mark.parametrize("setting", [s for s in BROKEN if s.flag], ids=lambda s: s.name)
def test_the_terminal_names_each_field_by_its_flag(setting: table.Setting[Any]) -> None:
    said = on_command_line(broken(setting))
    assert said.startswith(f"{setting.flag}: "), said
    assert said.endswith("."), said


def test_fields_without_a_flag_or_a_row_are_still_named_in_words() -> None:
    assert flag("spool_cap_mb") == "--spool-cap-mb"
    assert flag("secret_key") == "the secret key (AWS credential chain)"
    assert label("webhook_answer") == "Answer"
    assert label("data_dir") == "Data folder"
    assert "_" not in label("some_future_field")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("cannot open camera 0", "Cannot open camera 0."),
        ("extraInfo: too long", "extraInfo: too long."),
        ("--interval: bad", "--interval: bad."),
        ("Done already.", "Done already."),
        ("  ", ""),
    ],
)
def test_a_message_becomes_a_sentence(text: str, said: str) -> None:
    assert sentence(text) == said


def test_advice_meant_for_the_window_never_names_a_flag() -> None:
    from capture.engine import DataDirFull
    from capture.paths import DataDirLock

    full = DataDirFull(
        "the data folder is on a full disk", advice="x --data-dir", window_advice="y"
    )
    assert full.window_advice == "y"
    assert ShotHookError("m", advice="do this").window_advice == "do this"
    assert DataDirLock is not None  # its advice is checked through the window in tests/gui
