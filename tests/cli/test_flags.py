"""Command-line flags become checked settings; bad ones become one-line errors naming the field.
The README's flag table is checked against the parser so it stays true."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import main
from capture.cli.flags import (
    UsageError,
    build_parser,
    parse_args,
    parse_count,
    parse_keep_days,
    parse_seconds,
    settings_from_args,
    storage_flags_given,
)
from capture.errors import ConfigError
from capture.settings import table
from capture.settings.model import (
    AddressingStyle,
    CaptureSettings,
    Settings,
    StorageKind,
    StorageSettings,
)
from tests.support.settings import EXAMPLES

README = Path(__file__).resolve().parents[2] / "README.md"


def settings(*argv: str, base: Settings | None = None) -> Settings:
    return settings_from_args(parse_args(list(argv)), base)


def config_error(*argv: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        settings(*argv)
    return info.value


def test_no_flags_give_the_defaults() -> None:
    assert settings() == Settings()


def test_capture_flags_set_the_capture_settings() -> None:
    got = settings(
        "--source",
        "synthetic",
        "--interval",
        "3600",
        "--channel",
        "room #1",
        "--uid",
        "4294967295",
        "--extra-info",
        "é" * 512,
        "--jpeg-quality",
        "1",
        "--users",
        "1",
    )
    assert got.capture == CaptureSettings(
        source="synthetic",
        interval=3600,
        channel="room #1",
        uid=4294967295,
        extra_info="é" * 512,
        jpeg_quality=1,
        users=1,
    )


def test_bucket_selects_s3_with_its_endpoint_region_and_addressing() -> None:
    got = settings(
        "--bucket",
        "shots",
        "--s3-endpoint",
        "http://127.0.0.1:9000",
        "--region",
        "eu-west-1",
        "--addressing-style",
        "virtual",
        "--prefix",
        "qa/run1",
    )
    assert got.storage == StorageSettings(
        kind=StorageKind.S3,
        prefix="qa/run1",
        endpoint="http://127.0.0.1:9000",
        region="eu-west-1",
        bucket="shots",
        addressing_style=AddressingStyle.VIRTUAL,
    )


def test_headless_s3_keys_come_from_the_credential_chain_not_saved_settings() -> None:
    from capture.settings.model import Secret

    saved = Settings(
        storage=StorageSettings(
            kind=StorageKind.S3, bucket="old", access_key="AKID", secret_key=Secret("s")
        )
    )
    got = settings("--bucket", "shots", base=saved)
    assert (got.storage.bucket, got.storage.access_key) == ("shots", "")
    assert not got.storage.secret_key


def test_storage_dir_selects_the_local_folder() -> None:
    got = settings("--storage-dir", "/tmp/shots")
    assert (got.storage.kind, got.storage.directory) == (StorageKind.LOCAL, "/tmp/shots")


def test_callback_and_webhook_flags() -> None:
    got = settings(
        "--callback-url",
        "https://hooks.example.com/cb",
        "--public-url",
        "https://tunnel.example/callback",
        "--webhook-host",
        "0.0.0.0",
        "--webhook-port",
        "0",
    )
    assert (got.callback.url, got.callback.public_url) == (
        "https://hooks.example.com/cb",
        "https://tunnel.example/callback",
    )
    assert (got.callback.webhook_host, got.callback.webhook_port) == ("0.0.0.0", 0)


def test_flags_override_only_what_they_name() -> None:
    saved = Settings(capture=CaptureSettings(interval=30, channel="saved", uid=9))
    got = settings("--interval", "5", base=saved)
    assert (got.capture.interval, got.capture.channel, got.capture.uid) == (5, "saved", 9)


@pytest.mark.parametrize(
    ("argv", "field", "words"),
    [
        (["--interval", "0"], "interval", "whole seconds from 1 to 3600"),
        (["--interval", "3601"], "interval", "whole seconds from 1 to 3600"),
        (["--interval", "1.5"], "interval", "whole seconds"),
        (["--uid", "0"], "uid", "1 to 4294967295"),
        (["--uid", "4294967296"], "uid", "1 to 4294967295"),
        (["--channel", "a/b"], "channel", "not allowed: '/'"),
        (["--channel", "c" * 64], "channel", "fewer than 64 bytes"),
        (["--channel", ""], "channel", "must not be empty"),
        (["--extra-info", "x" * 1025], "extraInfo", "at most 1024 bytes"),
        (["--prefix", "a//b"], "prefix", "none empty"),
        (["--prefix", "/a"], "prefix", "none empty"),
        (["--prefix", "a-b"], "prefix", "A-Z"),
        (["--prefix", "p" * 129], "prefix", "at most 128 characters"),
        (["--jpeg-quality", "0"], "jpeg_quality", "1 to 100"),
        (["--users", "65"], "users", "1 to 64"),
        (["--uid", "4294967295", "--users", "2"], "users", "uid + users - 1"),
        (["--callback-url", "ftp://x/cb"], "callback_url", "http:// or https://"),
        (["--callback-url", ""], "callback_url", "http:// or https://"),
        (["--public-url", "tunnel.example"], "public_url", "http:// or https://"),
        (["--webhook-port", "65536"], "webhook_port", "0 to 65535"),
        (["--webhook-host", "localhost"], "webhook_host", "IP address"),
        (["--bucket", "Shots"], "bucket", "lowercase"),
        (["--bucket", "shots", "--region", "us east"], "region", "letters, digits and '-'"),
        (["--bucket", "shots", "--s3-endpoint", "minio:9000"], "endpoint", "http://"),
        (["--region", "us-east-1"], "bucket", "required with --s3-endpoint"),
        (["--storage-dir", "/x", "--bucket", "shots"], "storage", "not both"),
    ],
)
def test_bad_flag_is_a_config_error_naming_the_field(
    argv: list[str], field: str, words: str
) -> None:
    error = config_error(*argv)
    assert error.field == field
    assert str(error).startswith(f"{field}: ")
    assert words in str(error)
    assert "\n" not in str(error)


@pytest.mark.parametrize("value", ["0", "-1", "x", "1.5", ""])
def test_count_must_be_a_whole_number_of_rounds(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^count: a whole number of rounds, 1 or more"):
        parse_count(value)


def test_count_absent_means_run_until_stopped() -> None:
    assert parse_count(None) is None
    assert parse_count("3") == 3


@pytest.mark.parametrize("value", ["-1", "soon", "nan", ""])
def test_drain_timeout_must_be_seconds(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^drain_timeout: a number of seconds, 0 or more"):
        parse_seconds("drain_timeout", value)


def test_drain_timeout_accepts_zero_and_fractions() -> None:
    assert parse_seconds("drain_timeout", "0") == 0.0
    assert parse_seconds("drain_timeout", "2.5") == 2.5


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--addressing-style", "sideways"], "invalid choice: 'sideways'"),
        (["--interval"], "expected one argument"),
        (["positional"], "unrecognized arguments: positional"),
    ],
)
def test_unparseable_command_line_is_a_usage_error(argv: list[str], words: str) -> None:
    with pytest.raises(UsageError, match=re.escape(words)):
        parse_args(argv)


def test_main_answers_a_usage_error_with_status_2_and_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main.main(["--headless", "--bogus"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("shothook: unrecognized arguments: --bogus")


# -- the flags are the table's, and the README stays true to them ------------------------------

PROSE_ONLY = {"--headless", "--autostart"}  # described in the README's prose, not its table


def _parser_flags() -> set[str]:
    return {
        option
        for action in build_parser()._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }


def _table_flags() -> set[str]:
    return {s.flag for s in table.SETTINGS if s.flag} | {r.flag for r in table.RUN_OPTIONS}


def _readme_rows() -> dict[str, tuple[str, str]]:
    """Each flag named in the first column of the README's flag table (its code spans): that
    column and the rest of its row, with markdown's escapes and code marks taken out."""
    rows: dict[str, tuple[str, str]] = {}
    for line in README.read_text().splitlines():
        if line.startswith("| `--"):
            first, rest = line.replace("\\|", "|").split(" | ", 1)
            first, rest = first.replace("`", ""), rest.replace("`", "")
            for flag in re.findall(r"--[a-z0-9-]+", first):
                rows[flag] = (first, rest)
    return rows


def test_every_flag_argparse_knows_is_in_the_table() -> None:
    assert _parser_flags() == _table_flags()


def test_every_flag_in_the_readme_table_exists() -> None:
    assert set(_readme_rows()) - _parser_flags() == set()


def test_every_headless_flag_is_in_the_readme_table() -> None:
    assert _table_flags() - PROSE_ONLY - set(_readme_rows()) == set()
    assert _table_flags() >= PROSE_ONLY
    text = README.read_text()
    assert all(f"`{flag}`" in text for flag in PROSE_ONLY)


def test_the_readme_table_names_each_flag_with_its_metavar() -> None:
    rows = _readme_rows()
    options: list[table.Setting[Any] | table.RunOption] = [
        *(s for s in table.SETTINGS if s.flag),
        *table.RUN_OPTIONS,
    ]
    for option in options:
        if option.flag in PROSE_ONLY:
            continue
        first, _ = rows[option.flag]
        named = f"{option.flag} {option.metavar}" if option.metavar else option.flag
        assert re.search(re.escape(named) + r"(?![\w-])", first), (named, first)


def test_readme_defaults_match_the_parser_and_settings() -> None:
    """Each flag's README row states the setting's default (or the flag's, for a run option)."""
    rows = _readme_rows()
    defaults = [(s.flag, str(s.default)) for s in table.SETTINGS if s.flag and s.default]
    defaults += [(r.flag, r.default) for r in table.RUN_OPTIONS if r.default]
    assert ("--interval", "10") in defaults and ("--drain-timeout", "60") in defaults
    for flag, default in defaults:
        _, meaning = rows[flag]
        said = rf"default\b[^;|]*?(?<![\w.-]){re.escape(default)}(?![\w-])"
        assert re.search(said, meaning, re.IGNORECASE), (flag, default, meaning)


def test_every_flag_sets_its_setting_through_its_check() -> None:
    for setting in (s for s in table.SETTINGS if s.flag):
        value = EXAMPLES[setting]
        argv = [setting.flag, str(value)]
        if setting.only_for is StorageKind.S3 and setting is not table.BUCKET:
            argv += ["--bucket", "shots"]
        got = getattr(settings(*argv), setting.group)
        assert getattr(got, setting.name) == value, setting.flag
        if setting.only_for is not None:
            assert got.kind is setting.only_for, setting.flag


def test_storage_flags_given_means_a_flag_that_selects_a_storage_kind() -> None:
    assert not storage_flags_given(parse_args(["--prefix", "qa", "--interval", "5"]))
    for setting in (s for s in table.SETTINGS if s.flag and s.only_for):
        assert storage_flags_given(parse_args([setting.flag, str(EXAMPLES[setting])]))


@pytest.mark.parametrize("text", ["-1", "1.5", "", "thirty", "1" * 5000, "100001", "²"])
def test_keep_days_refuses_anything_but_whole_days_naming_the_flag(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_keep_days(text)
    assert caught.value.field == "keep_days"


@pytest.mark.parametrize(("text", "days"), [("0", 0), ("30", 30), (" 7 ", 7), ("100000", 100000)])
def test_keep_days_takes_whole_days_and_0_for_everything(text: str, days: int) -> None:
    assert parse_keep_days(text) == days
