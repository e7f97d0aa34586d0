"""The notification body: fields, types, checksum and JSON as the spec's table says; the
receiver's parser accepts both timestamp forms and names each broken field."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from capture.spec.payload import (
    CONTENT_TYPE,
    Notification,
    PayloadError,
    checksum,
    parse_body,
    timestamp_as_utc17,
)

URL = "http://127.0.0.1:8787/callback"
SID = "0123456789abcdef0123456789abcdef"
REQUEST_ID = f"{SID}_1560238366_fedcba9876543210fedcba9876543210"
KEY = f"qa/run1/20190611/{SID}_room1__uid_s_1001__uid_e_video_20190611073246073.jpg"
NOTE = Notification(
    request_id=REQUEST_ID,
    channel="room1",
    uid=1001,
    object_key=KEY,
    utc="20190611073246073",
    callback_data="order=42",
)
# md5 of the literal concatenation callbackAddr + "200" + object + requestId, computed with
# `printf %s '<that text>' | md5sum` outside Python.
EXPECTED_CHECKSUM = "e475e80b6dc04c6aec10802908e4ba3d"

# The spec's table, written out here on purpose rather than taken from capture.payload: the test
# checks the engine against the spec, not against itself.
SPEC_TYPES = {
    "requestId": str,
    "callbackParam": dict,
    "callbackData": str,
    "checksum": str,
    "object": str,
    "code": int,
    "msg": str,
    "channelName": str,
    "userId": str,
    "timestamp": int,
}


def body_with(**changes: Any) -> bytes:
    body = NOTE.body(URL)
    for name, value in changes.items():
        if value is _MISSING:
            del body[name]
        else:
            body[name] = value
    return json.dumps(body).encode()


_MISSING = object()


def test_content_type_is_json_utf8() -> None:
    assert CONTENT_TYPE == "application/json;charset=utf-8"


def test_body_has_exactly_the_spec_fields_values_and_types() -> None:
    body = NOTE.body(URL)
    assert set(body) == set(SPEC_TYPES)
    for name, kind in SPEC_TYPES.items():
        assert type(body[name]) is kind, name
    assert body == {
        "requestId": REQUEST_ID,
        "callbackParam": {"cname": "room1"},
        "callbackData": "order=42",
        "checksum": EXPECTED_CHECKSUM,
        "object": KEY,
        "code": 200,
        "msg": "Supervise complete",
        "channelName": "room1",
        "userId": "1001",
        "timestamp": 20190611073246073,
    }


def test_checksum_is_md5_of_addr_code_object_request_id() -> None:
    literal = (
        "http://127.0.0.1:8787/callback"
        "200"
        f"qa/run1/20190611/{SID}_room1__uid_s_1001__uid_e_video_20190611073246073.jpg"
        f"{SID}_1560238366_fedcba9876543210fedcba9876543210"
    )
    assert hashlib.md5(literal.encode()).hexdigest() == EXPECTED_CHECKSUM
    assert checksum(URL, 200, KEY, REQUEST_ID) == EXPECTED_CHECKSUM


def test_checksum_depends_on_each_of_the_four_values() -> None:
    base = checksum(URL, 200, KEY, REQUEST_ID)
    assert checksum(URL + "/", 200, KEY, REQUEST_ID) != base
    assert checksum(URL, 206, KEY, REQUEST_ID) != base
    assert checksum(URL, 200, KEY + "x", REQUEST_ID) != base
    assert checksum(URL, 200, KEY, REQUEST_ID[:-1] + "1") != base


def test_empty_extra_info_is_sent_as_an_empty_string() -> None:
    note = Notification(REQUEST_ID, "room1", 1, KEY, "20190611073246073")
    assert note.body(URL)["callbackData"] == ""


def test_incomplete_interval_carries_code_206_and_why() -> None:
    note = Notification(REQUEST_ID, "c", 1, KEY, "20190611073246073", code=206, msg="no frame")
    body = note.body(URL)
    assert (body["code"], body["msg"]) == (206, "no frame")
    assert body["checksum"] == hashlib.md5(f"{URL}206{KEY}{REQUEST_ID}".encode()).hexdigest()


@given(
    extra=st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    channel=st.text(alphabet="abcXYZ09 !#$%&()+-:;<=.>?@[]^_{}|~,", min_size=1, max_size=63),
)
def test_body_is_always_valid_utf8_json(extra: str, channel: str) -> None:
    raw = Notification(REQUEST_ID, channel, 5, KEY, "20190611073246073", extra).encode(URL)
    decoded = json.loads(raw.decode("utf-8"))
    assert decoded["callbackData"] == extra
    assert decoded["channelName"] == decoded["callbackParam"]["cname"] == channel
    received = parse_body(raw)
    assert received.callback_data == extra
    assert received.checksum_matches(URL)


def test_non_ascii_extra_info_is_sent_as_utf8_bytes() -> None:
    raw = Notification(REQUEST_ID, "c", 1, KEY, "20190611073246073", 'é"\\\n中').encode(URL)
    assert "é".encode() in raw
    assert "中".encode() in raw
    assert json.loads(raw)["callbackData"] == 'é"\\\n中'


# -- the receiver's parser --------------------------------------------------------------------


def test_parser_reads_our_own_body() -> None:
    received = parse_body(NOTE.encode(URL))
    assert received.request_id == REQUEST_ID
    assert received.object_key == KEY
    assert (received.code, received.msg) == (200, "Supervise complete")
    assert (received.cname, received.channel, received.user_id) == ("room1", "room1", "1001")
    assert received.callback_data == "order=42"
    assert received.timestamp == 20190611073246073
    assert received.timestamp_form == "utc17"
    assert received.warnings == ()
    assert received.checksum_matches(URL)
    assert not received.checksum_matches("http://localhost:8787/callback")


def test_parser_accepts_unix_milliseconds_too() -> None:
    received = parse_body(body_with(timestamp=1560238366073))
    assert received.timestamp_form == "unix_ms"
    assert timestamp_as_utc17(received.timestamp) == "20190611073246073"
    assert timestamp_as_utc17(20190611073246073) == "20190611073246073"


@pytest.mark.parametrize(
    "value", [123456789012345678, 20191311073246073, 0, -1560238366073, 10**15]
)
def test_parser_rejects_a_timestamp_of_neither_form(value: int) -> None:
    with pytest.raises(PayloadError) as info:
        parse_body(body_with(timestamp=value))
    assert info.value.field == "timestamp"
    assert "17 digits" in str(info.value)
    assert "Unix milliseconds" in str(info.value)


@pytest.mark.parametrize("name", sorted(SPEC_TYPES))
def test_parser_names_each_missing_field(name: str) -> None:
    with pytest.raises(PayloadError) as info:
        parse_body(body_with(**{name: _MISSING}))
    assert info.value.field == name
    assert str(info.value) == f"{name}: missing"


@pytest.mark.parametrize(
    ("name", "value", "got"),
    [
        ("requestId", 1, "an integer"),
        ("callbackParam", "room1", "a string"),
        ("callbackParam", ["room1"], "an array"),
        ("callbackData", None, "null"),
        ("checksum", 5, "an integer"),
        ("object", [], "an array"),
        ("code", "200", "a string"),
        ("code", True, "a boolean"),
        ("code", 200.5, "a number"),
        ("msg", 1, "an integer"),
        ("channelName", {}, "an object"),
        ("userId", 1001, "an integer"),
        ("timestamp", "20190611073246073", "a string"),
        ("timestamp", False, "a boolean"),
        ("timestamp", 1.5, "a number"),
    ],
)
def test_parser_names_each_wrongly_typed_field(name: str, value: object, got: str) -> None:
    with pytest.raises(PayloadError) as info:
        parse_body(body_with(**{name: value}))
    assert info.value.field == name
    message = str(info.value)
    assert message.startswith(f"{name}: must be ")
    assert message.endswith(f"got {got}")


def test_parser_names_a_missing_or_wrong_cname() -> None:
    for param in ({}, {"cname": 3}):
        with pytest.raises(PayloadError) as info:
            parse_body(body_with(callbackParam=param))
        assert info.value.field == "callbackParam.cname"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b'{"requestId": ', "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[1, 2]", "must be a JSON object"),
        (b"", "not valid JSON"),
    ],
)
def test_parser_rejects_a_body_that_is_not_a_json_object(raw: bytes, words: str) -> None:
    with pytest.raises(PayloadError) as info:
        parse_body(raw)
    assert info.value.field == ""
    assert words in str(info.value)


def test_parser_warns_about_inconsistent_but_well_typed_fields() -> None:
    received = parse_body(body_with(channelName="other", userId="u1", msg="done"))
    assert set(received.warnings) == {
        "channelName differs from callbackParam.cname",
        "userId is not decimal text",
        "msg for code 200 is not 'Supervise complete'",
    }
