"""Object keys, sids and requestIds exactly as the spec writes them, and keys read back."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from capture.settings.model import CHANNEL_SPECIALS, PREFIX_MAX_CHARS, UID_MAX, check_channel
from capture.spec.naming import (
    is_request_id,
    new_request_id,
    new_sid,
    object_key,
    parse_object_key,
    parse_utc_digits,
    utc_digits,
)

SID = "0123456789abcdef0123456789abcdef"
INSTANT = datetime(2019, 6, 11, 7, 32, 46, 73_000, tzinfo=UTC)
KEY_PATTERN = re.compile(
    r"(?:[A-Za-z0-9]+(?:/[A-Za-z0-9]+)*/)?\d{8}/[0-9a-f]{32}_.+__uid_s_\d+__uid_e_video_\d{17}\.jpg"
)


def test_object_key_is_exactly_the_spec_pattern() -> None:
    key = object_key("qa/run1", SID, "room1", 1001, INSTANT)
    assert key == f"qa/run1/20190611/{SID}_room1__uid_s_1001__uid_e_video_20190611073246073.jpg"


def test_empty_prefix_starts_the_key_at_the_date() -> None:
    key = object_key("", SID, "room1", 7, INSTANT)
    assert key == f"20190611/{SID}_room1__uid_s_7__uid_e_video_20190611073246073.jpg"


def test_utc_is_17_digits_with_milliseconds_truncated() -> None:
    assert utc_digits(datetime(2019, 6, 11, 7, 32, 46, 73_999, tzinfo=UTC)) == "20190611073246073"
    assert utc_digits(datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)) == "20200102030405000"
    assert utc_digits(datetime(2019, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)) == (
        "20191231235959999"
    )


@pytest.mark.parametrize(
    ("local", "date", "utc"),
    [
        # 01:30 on the 12th in Tokyo is 16:30 on the 11th in UTC.
        (
            datetime(2019, 6, 12, 1, 30, tzinfo=timezone(timedelta(hours=9))),
            "20190611",
            "20190611163000000",
        ),
        # 20:00 on the 11th in California is 04:00 on the 12th in UTC.
        (
            datetime(2019, 6, 11, 20, 0, tzinfo=timezone(timedelta(hours=-8))),
            "20190612",
            "20190612040000000",
        ),
    ],
)
def test_date_folder_and_utc_are_utc_even_when_the_local_date_differs(
    local: datetime, date: str, utc: str
) -> None:
    key = object_key("p", SID, "c", 1, local)
    assert key == f"p/{date}/{SID}_c__uid_s_1__uid_e_video_{utc}.jpg"
    assert parse_object_key(key).captured_at == local


def test_sid_is_32_lowercase_hex_and_new_each_time() -> None:
    sids = {new_sid() for _ in range(200)}
    assert len(sids) == 200
    assert all(re.fullmatch(r"[0-9a-f]{32}", sid) for sid in sids)


def test_request_id_is_sid_unix_seconds_and_32_hex() -> None:
    now = datetime(2019, 6, 11, 7, 32, 46, 999_000, tzinfo=UTC)
    request_id = new_request_id(SID, now)
    match = re.fullmatch(r"([0-9a-f]{32})_(\d+)_([0-9a-f]{32})", request_id)
    assert match is not None, request_id
    assert match[1] == SID
    assert match[2] == "1560238366"  # whole seconds, not rounded up
    assert is_request_id(request_id)


def test_request_ids_are_unique_within_the_same_second() -> None:
    ids = {new_request_id(SID, INSTANT) for _ in range(200)}
    assert len(ids) == 200


@pytest.mark.parametrize("sid", ["", SID.upper(), SID[:-1], SID + "0", "g" * 32])
def test_request_id_refuses_a_sid_that_is_not_32_lowercase_hex(sid: str) -> None:
    with pytest.raises(ValueError, match="sid must be 32 lowercase hex"):
        new_request_id(sid, INSTANT)


@pytest.mark.parametrize(
    "value",
    ["", f"{SID}_1560238366", f"{SID}_x_{SID}", f"{SID.upper()}_1_{SID}", f"{SID}_1_{SID}_"],
)
def test_is_request_id_rejects_other_shapes(value: str) -> None:
    assert not is_request_id(value)


def test_parse_object_key_reads_every_part() -> None:
    parts = parse_object_key(object_key("qa/run1", SID, "room 1", 42, INSTANT))
    assert (parts.prefix, parts.date, parts.sid, parts.cname, parts.uid, parts.utc) == (
        "qa/run1",
        "20190611",
        SID,
        "room 1",
        42,
        "20190611073246073",
    )
    assert parts.captured_at == INSTANT


def test_prefix_made_of_digits_like_a_date_is_still_the_prefix() -> None:
    parts = parse_object_key(object_key("20200101", SID, "c", 1, INSTANT))
    assert (parts.prefix, parts.date) == ("20200101", "20190611")


@pytest.mark.parametrize(
    "key",
    [
        f"20190612/{SID}_c__uid_s_1__uid_e_video_20190611073246073.jpg",  # date is not utc's
        f"20190611/{SID.upper()}_c__uid_s_1__uid_e_video_20190611073246073.jpg",
        f"20190611/{SID}_c__uid_s_1__uid_e_video_20190611073246073.png",
        f"20190611/{SID}_c__uid_s_1__uid_e_video_2019061107324607.jpg",  # 16 digits
        f"20191311/{SID}_c__uid_s_1__uid_e_video_20191311073246073.jpg",  # month 13
        f"a-b/20190611/{SID}_c__uid_s_1__uid_e_video_20190611073246073.jpg",
        f"/20190611/{SID}_c__uid_s_1__uid_e_video_20190611073246073.jpg",
        f"20190611/{SID}___uid_s_1__uid_e_video_20190611073246073.jpg",  # empty cname
        f"20190611/{SID}_c__uid_s___uid_e_video_20190611073246073.jpg",  # no uid
    ],
)
def test_parse_object_key_rejects_keys_off_the_pattern(key: str) -> None:
    with pytest.raises(ValueError):
        parse_object_key(key)


def test_parse_utc_digits_rejects_wrong_length() -> None:
    with pytest.raises(ValueError, match="17 digits"):
        parse_utc_digits("2019061107324607")


# -- round trip, over everything the rules allow ---------------------------------------------

_CHANNEL_CHARS = "ABCXYZabcxyz0189" + CHANNEL_SPECIALS
_TRICKY = ["__uid_s_", "__uid_e_video_", "_1001", "__uid_s_5__uid_e_video_", ".jpg", "/", "_"]
channels = (
    st.lists(
        st.one_of(
            st.text(alphabet=_CHANNEL_CHARS, min_size=1, max_size=8), st.sampled_from(_TRICKY)
        ),
        min_size=1,
        max_size=12,
    )
    .map("".join)
    .map(lambda name: name.replace("/", "_")[:63])  # '/' is not an allowed character
)
prefixes = (
    st.lists(st.text(alphabet="ABZabz0189", min_size=1, max_size=20), min_size=0, max_size=8)
    .map("/".join)
    .filter(lambda prefix: len(prefix) <= PREFIX_MAX_CHARS)
)
instants = st.datetimes(
    min_value=datetime(1970, 1, 1),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=9)), timezone(timedelta(hours=-11))]),
)
sids = st.binary(min_size=16, max_size=16).map(bytes.hex)


@given(
    prefix=prefixes,
    sid=sids,
    cname=channels,
    uid=st.integers(min_value=1, max_value=UID_MAX),
    instant=instants,
)
def test_parse_object_key_round_trips(
    prefix: str, sid: str, cname: str, uid: int, instant: datetime
) -> None:
    assert check_channel(cname) == cname
    key = object_key(prefix, sid, cname, uid, instant)
    assert KEY_PATTERN.fullmatch(key)
    parts = parse_object_key(key)
    truncated = instant.astimezone(UTC).replace(microsecond=instant.microsecond // 1000 * 1000)
    assert parts.prefix == prefix
    assert parts.sid == sid
    assert parts.cname == cname
    assert parts.uid == uid
    assert parts.captured_at == truncated
    assert parts.utc == utc_digits(instant)
    assert parts.date == parts.utc[:8] == truncated.strftime("%Y%m%d")
