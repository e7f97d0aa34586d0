"""Settings: every rule of the spec (and of the console) breaks with a message naming the field
and the rule, and the boundary values are accepted."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from capture.errors import ConfigError
from capture.settings.model import (
    CallbackSettings,
    CaptureSettings,
    Secret,
    Settings,
    StorageKind,
    StorageSettings,
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
)
from capture.settings.rules import (
    CAMERA_INDEX_MAX,
    SourceKind,
    check_folder,
    source_kind,
)

ALL_CHANNEL_SPECIALS = " !#$%&()+-:;<=.>?@[]^_{}|~,"


def broken(check: Callable[[], object]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        check()
    return info.value


def assert_names(error: ConfigError, field: str, *rule_words: str) -> None:
    """The message starts with the field and carries the words of the rule."""
    message = str(error)
    assert error.field == field
    assert message.startswith(f"{field}: "), message
    for words in rule_words:
        assert words in message, f"{words!r} not in {message!r}"


# -- interval: whole seconds, 1..3600 ----------------------------------------------------------


@pytest.mark.parametrize("value", [0, -1, 3601, 1.5, "1.5", "", "ten", "0", "3601", True, None])
def test_interval_out_of_rule_is_refused(value: object) -> None:
    assert_names(broken(lambda: check_interval(value)), "interval", "whole seconds", "1", "3600")


@pytest.mark.parametrize(("value", "expected"), [(1, 1), (3600, 3600), ("1", 1), (" 10 ", 10)])
def test_interval_boundaries_are_accepted(value: object, expected: int) -> None:
    assert check_interval(value) == expected


def test_interval_message_shows_what_was_given() -> None:
    assert "(got 0)" in str(broken(lambda: check_interval(0)))


# -- uid: 1..4294967295 ------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, -1, 4_294_967_296, 1.5, "", "0x10", False])
def test_uid_out_of_rule_is_refused(value: object) -> None:
    assert_names(broken(lambda: check_uid(value)), "uid", "1 to 4294967295")


@pytest.mark.parametrize("value", [1, 4_294_967_295, "4294967295"])
def test_uid_boundaries_are_accepted(value: object) -> None:
    assert check_uid(value) == int(value)  # type: ignore[call-overload]


# -- channel: fewer than 64 bytes, allowed characters only -------------------------------------


def test_channel_of_63_bytes_is_accepted_and_64_refused() -> None:
    assert check_channel("c" * 63) == "c" * 63
    assert_names(broken(lambda: check_channel("c" * 64)), "channel", "fewer than 64 bytes")


def test_channel_bytes_not_characters_count() -> None:
    # 62 ASCII characters plus one two-byte character: 63 characters but 64 bytes.
    assert_names(broken(lambda: check_channel("c" * 62 + "é")), "channel", "64 bytes")


def test_channel_multibyte_within_the_byte_limit_breaks_the_character_rule() -> None:
    error = broken(lambda: check_channel("c" * 61 + "é"))  # 63 bytes, but é is not allowed
    assert_names(error, "channel", "only letters, digits, space", "not allowed: 'é'")


def test_empty_channel_is_refused() -> None:
    assert_names(broken(lambda: check_channel("")), "channel", "must not be empty")


@pytest.mark.parametrize("bad", ["/", "*", "\\", '"', "'", "`", "\n", "\t", "中"])
def test_channel_with_a_disallowed_character_names_it(bad: str) -> None:
    error = broken(lambda: check_channel(f"room{bad}1"))
    assert_names(error, "channel", "only letters, digits, space", f"not allowed: {bad!r}")


def test_channel_accepts_letters_digits_space_and_every_listed_special() -> None:
    name = "Az09" + ALL_CHANNEL_SPECIALS
    assert len(name.encode()) < 64
    assert check_channel(name) == name
    for char in ALL_CHANNEL_SPECIALS:
        assert check_channel(f"a{char}b") == f"a{char}b"


def test_channel_that_is_not_utf8_text_is_refused() -> None:
    # An undecodable command-line byte arrives as a lone surrogate.
    assert_names(broken(lambda: check_channel("a\udcff")), "channel", "valid UTF-8")


# -- extraInfo: at most 1024 bytes of UTF-8 ----------------------------------------------------


def test_extra_info_of_1024_bytes_is_accepted_and_1025_refused() -> None:
    assert check_extra_info("x" * 1024) == "x" * 1024
    assert check_extra_info("") == ""
    error = broken(lambda: check_extra_info("x" * 1025))
    assert_names(error, "extraInfo", "at most 1024 bytes", "this is 1025 bytes")


def test_extra_info_counts_bytes_at_the_multibyte_boundary() -> None:
    assert check_extra_info("x" * 1022 + "é") == "x" * 1022 + "é"  # 1024 bytes
    error = broken(lambda: check_extra_info("x" * 1023 + "é"))  # 1024 characters, 1025 bytes
    assert_names(error, "extraInfo", "1024 bytes", "this is 1025 bytes")
    assert check_extra_info("中" * 341) == "中" * 341  # 1023 bytes
    assert_names(broken(lambda: check_extra_info("中" * 342)), "extraInfo", "1026 bytes")


def test_extra_info_that_is_not_utf8_text_is_refused() -> None:
    assert_names(broken(lambda: check_extra_info("\udcff")), "extraInfo", "valid UTF-8")


# -- prefix: [A-Za-z0-9] parts joined by '/', at most 128 characters ---------------------------


@pytest.mark.parametrize("value", ["", "a", "qa/run1", "A/b/C/0/9", "x" * 128, "ab/" * 42 + "ab"])
def test_prefix_in_rule_is_accepted(value: str) -> None:
    assert len(value) <= 128
    assert check_prefix(value) == value


@pytest.mark.parametrize(
    "value", ["a//b", "/a", "a/", "/", "a-b", "a_b", "a.b", "a b", "é", "a/b*", "../a"]
)
def test_prefix_with_empty_or_non_alphanumeric_part_is_refused(value: str) -> None:
    assert_names(broken(lambda: check_prefix(value)), "prefix", "joined by '/'", "A-Z", "0-9")


def test_prefix_of_129_characters_is_refused() -> None:
    error = broken(lambda: check_prefix("x" * 129))
    assert_names(error, "prefix", "at most 128 characters", "this is 129")
    with_slashes = "ab/" * 42 + "abc"  # valid parts, 129 characters in all
    assert_names(broken(lambda: check_prefix(with_slashes)), "prefix", "at most 128 characters")


# -- the rest of the settings ------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 101, -5, "high", 85.5])
def test_jpeg_quality_out_of_range_is_refused(value: object) -> None:
    assert_names(broken(lambda: check_jpeg_quality(value)), "jpeg_quality", "1 to 100")


@pytest.mark.parametrize("value", [1, 100])
def test_jpeg_quality_boundaries_are_accepted(value: int) -> None:
    assert check_jpeg_quality(value) == value


@pytest.mark.parametrize("value", [0, 65, "many"])
def test_users_out_of_range_is_refused(value: object) -> None:
    assert_names(broken(lambda: check_users(value)), "users", "1 to 64")


@pytest.mark.parametrize("value", [1, 64])
def test_users_boundaries_are_accepted(value: int) -> None:
    assert check_users(value) == value


def test_users_whose_uids_pass_the_uid_range_are_refused_naming_users() -> None:
    near_top = CaptureSettings(uid=4_294_967_290, users=6)  # uids ..290 to ..295
    assert near_top.problems() == []
    [error] = CaptureSettings(uid=4_294_967_290, users=7).problems()
    assert_names(error, "users", "uid + users - 1", "4294967295")


@pytest.mark.parametrize("value", [-1, 65536, "http", 80.0])
def test_port_out_of_range_is_refused(value: object) -> None:
    assert_names(broken(lambda: check_port(value)), "webhook_port", "0 to 65535")


@pytest.mark.parametrize("value", [0, 1, 65535, "8787"])
def test_port_boundaries_are_accepted(value: object) -> None:
    assert check_port(value) == int(value)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    "value",
    [
        "ftp://example.com/cb",
        "http://",
        "localhost:8080/callback",
        "example.com/callback",
        "http://example.com:99999/cb",
        "http://ex\udcffample.com/",
        "http://[::1",  # urlsplit raises ValueError on an open bracket
        "http://[::1/cb",
        "https://[not-an-ip]/",
    ],
)
def test_callback_url_that_is_not_http_is_refused(value: str) -> None:
    error = broken(lambda: check_http_url("callback_url", value, required=True))
    assert error.field == "callback_url"
    assert str(error).startswith("callback_url: ")
    assert "http://" in str(error) or "UTF-8" in str(error)


def test_required_url_must_not_be_empty_and_optional_may_be() -> None:
    assert_names(broken(lambda: check_http_url("callback_url", "", required=True)), "callback_url")
    assert check_http_url("public_url", "", required=False) == ""


@pytest.mark.parametrize(
    "value",
    ["http://127.0.0.1:8787/callback", "https://hooks.example.com/a/b?c=d", "http://[::1]:1/"],
)
def test_http_urls_are_accepted(value: str) -> None:
    assert check_http_url("callback_url", value, required=True) == value


@pytest.mark.parametrize(
    "value",
    [
        "ab",
        "a" * 64,
        "Bucket",
        "my_bucket",
        "-abc",
        "abc-",
        "a..b",
        ".abc",
        "",
        "a b c",
        "a.-b",
        "a-.b",
    ],
)
def test_bucket_name_out_of_rule_is_refused(value: str) -> None:
    assert_names(broken(lambda: check_bucket(value)), "bucket", "3 to 63 characters", "lowercase")


def test_bucket_name_like_an_ip_address_is_refused() -> None:
    assert_names(broken(lambda: check_bucket("192.168.5.4")), "bucket", "IP address")


@pytest.mark.parametrize("value", ["abc", "a" * 63, "my.bucket-1", "0shots9", "1.2.3.4.5"])
def test_bucket_names_in_rule_are_accepted(value: str) -> None:
    assert check_bucket(value) == value


@pytest.mark.parametrize("value", ["us east 1", "us_east_1", "eu/west"])
def test_region_out_of_rule_is_refused(value: str) -> None:
    assert_names(broken(lambda: check_region(value)), "region", "letters, digits and '-'")


@pytest.mark.parametrize("value", ["", "us-east-1", "oss-cn-hangzhou"])
def test_regions_in_rule_are_accepted(value: str) -> None:
    assert check_region(value) == value


@pytest.mark.parametrize("value", ["localhost", "", "127.0.0.1:80", "256.0.0.1"])
def test_webhook_host_must_be_an_ip_address(value: str) -> None:
    assert_names(broken(lambda: check_host(value)), "webhook_host", "IP address")


# -- the schema as a whole ---------------------------------------------------------------------


def test_defaults_break_no_rule() -> None:
    assert Settings().problems() == []
    assert Settings().validated() == Settings()


def test_problems_lists_every_broken_rule_at_once() -> None:
    settings = Settings(
        capture=CaptureSettings(interval=0, channel="a/b", uid=0, extra_info="x" * 1025),
        storage=StorageSettings(prefix="a//b"),
        callback=CallbackSettings(url="ftp://x", webhook_port=70000),
    )
    assert [p.field for p in settings.problems()] == [
        "interval",
        "channel",
        "uid",
        "extraInfo",
        "prefix",
        "callback_url",
        "webhook_port",
    ]
    with pytest.raises(ConfigError, match=r"^interval: "):
        settings.validated()


def test_s3_settings_check_bucket_region_and_endpoint_only_for_s3() -> None:
    local = StorageSettings(bucket="X", region="bad region", endpoint="nope")
    assert local.problems() == []
    s3 = StorageSettings(kind=StorageKind.S3, bucket="X", region="bad region", endpoint="nope")
    # in the order of the settings table (the dataclass's)
    assert [p.field for p in s3.problems()] == ["endpoint", "region", "bucket"]


@pytest.mark.parametrize(
    ("access", "secret", "named"), [("AKID", "", "secret_key"), ("", "s3cr3t", "access_key")]
)
def test_s3_keys_come_in_pairs(access: str, secret: str, named: str) -> None:
    storage = StorageSettings(
        kind=StorageKind.S3, bucket="shots", access_key=access, secret_key=Secret(secret)
    )
    [error] = storage.problems()
    assert_names(error, named, "both access key and secret key", "standard AWS credential chain")


def test_secret_hides_itself_and_stays_out_of_the_public_dict() -> None:
    secret = Secret("wJalrXUtnFEMI")
    settings = Settings(storage=StorageSettings(access_key="AKID", secret_key=secret))
    assert "wJalrXUtnFEMI" not in repr(secret) + str(secret) + repr(settings)
    assert secret.reveal() == "wJalrXUtnFEMI"
    public = settings.to_public_dict()
    assert "secret_key" not in public["storage"]
    assert "wJalrXUtnFEMI" not in str(public)


def test_public_dict_round_trips_and_ignores_junk() -> None:
    settings = Settings(
        capture=CaptureSettings(interval=7, channel="room 1", uid=42, users=2),
        storage=StorageSettings(kind=StorageKind.S3, bucket="shots", prefix="qa/run1"),
        callback=CallbackSettings(url="http://127.0.0.1:9/cb", webhook_port=0),
    )
    again = Settings.from_public_dict(settings.to_public_dict())
    assert again.capture == settings.capture
    assert again.callback == settings.callback
    assert again.storage.prefix == "qa/run1"
    assert again.storage.kind is StorageKind.S3
    junk = {
        "capture": {"interval": True, "uid": "12", "nope": 1},
        "storage": {"kind": "ftp", "secret_key": "typed into the file"},
    }
    rebuilt = Settings.from_public_dict(junk)
    assert rebuilt.storage.secret_key.reveal() == "", "a secret never comes from the file"
    assert rebuilt.capture == CaptureSettings()
    assert rebuilt.storage.kind is StorageKind.LOCAL


# -- whole numbers of any length -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "field"),
    [
        (check_interval, "interval"),
        (check_uid, "uid"),
        (check_jpeg_quality, "jpeg_quality"),
        (check_users, "users"),
        (check_port, "webhook_port"),
    ],
)
@pytest.mark.parametrize("digits", ["9" * 5000, "0" * 4301 + "1", "-" + "9" * 21])
def test_a_whole_number_too_long_for_int_breaks_the_rule(
    check: Callable[[object], int], field: str, digits: str
) -> None:
    assert_names(
        broken(lambda: check(digits)),
        field,
        "a whole number" if field != "interval" else "whole seconds",
    )


def test_leading_zeros_within_the_digit_limit_still_read() -> None:
    assert check_interval("0" * 19 + "5") == 5


# -- the video source ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("auto", SourceKind.AUTO),
        (" Synthetic ", SourceKind.PATTERN),
        ("0", SourceKind.CAMERA),
        (str(CAMERA_INDEX_MAX), SourceKind.CAMERA),
        ("rtsp://cam/stream", SourceKind.STREAM),
    ],
)
def test_source_kinds(value: str, kind: SourceKind) -> None:
    assert source_kind(value) is kind


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("\N{SUPERSCRIPT TWO}", "no such file"),  # a digit to str.isdigit, not to int()
        ("\N{ARABIC-INDIC DIGIT THREE}", "no such file"),
        (str(CAMERA_INDEX_MAX + 1), "no such camera index"),
        ("9" * 5000, "no such camera index"),
        ("", "'synthetic', a camera index"),
        ("gopher://x/v", "unknown URL scheme"),
    ],
)
def test_a_source_breaking_the_rule_names_the_field(value: str, words: str) -> None:
    assert_names(broken(lambda: source_kind(value)), "source", words)


def test_a_source_file_is_an_existing_file(tmp_path: Path) -> None:
    clip = tmp_path / "clip.avi"
    clip.write_bytes(b"opened later")
    assert source_kind(str(clip)) is SourceKind.FILE
    assert_names(broken(lambda: source_kind(str(tmp_path))), "source", "no such file")


# -- folders given by a flag -----------------------------------------------------------------------


def test_a_missing_folder_under_a_writable_one_is_accepted_and_not_made(tmp_path: Path) -> None:
    wanted = tmp_path / "a" / "b"
    assert check_folder("storage_dir", str(wanted)) == str(wanted)
    assert list(tmp_path.iterdir()) == []  # the probe file is gone, no folder was made


def test_an_existing_folder_is_accepted(tmp_path: Path) -> None:
    assert check_folder("data_dir", str(tmp_path)) == str(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_empty_folder_path_means_the_default() -> None:
    assert check_folder("storage_dir", "") == ""


def test_a_file_or_a_path_through_one_is_not_a_folder(tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("x")
    for value in (str(taken), str(taken / "below")):
        error = broken(partial(check_folder, "storage_dir", value))
        assert_names(
            error, "storage_dir", "a folder ShotHook can create", f"{taken} is not a folder"
        )


def test_a_device_is_not_a_folder() -> None:
    error = broken(lambda: check_folder("storage_dir", os.devnull))
    assert_names(error, "storage_dir", f"{os.devnull} is not a folder")


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="no /proc here")
def test_a_folder_where_no_file_can_be_made_is_refused() -> None:
    error = broken(lambda: check_folder("storage_dir", "/proc/shothook-shots"))
    assert_names(error, "storage_dir", "cannot write in /proc")


def test_a_nul_in_a_folder_path_breaks_the_rule() -> None:
    error = broken(lambda: check_folder("storage_dir", "/tmp/a\0b"))
    assert_names(error, "storage_dir", "a folder ShotHook can create")
