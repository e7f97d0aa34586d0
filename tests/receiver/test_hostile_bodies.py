"""Hostile JSON at the embedded webhook, over real loopback HTTP into a journal on disk: JSON
nested past the decoder's recursion limit, integers past Python's 4,300-digit conversion limit
or SQLite's 64 bits, and escapes that decode to lone surrogates. Each is a 400 naming the
problem, journaled as a rejection, with nothing reaching the crash reporter, the log or stderr;
the webhook answers the next good notification as usual. Then the parser itself is fuzzed over
such shapes: whatever it accepts can be checksummed and journaled."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capture import events
from capture.journal.writer import Journal, connect
from capture.receiver.webhook import WebhookServer
from capture.spec.payload import (
    INT64_MAX,
    INT64_MIN,
    Notification,
    PayloadError,
    Received,
    parse_body,
)
from tests.support.engine import Unexpected, collecting_unexpected, running_webhook
from tests.support.events import EventLog
from tests.support.rawhttp import exchange, json_body, post, status_of

SID = "0123456789abcdef0123456789abcdef"
NOTE = Notification(
    request_id=f"{SID}_1704164645_{'b' * 32}",
    channel="room",
    uid=7,
    object_key=f"20240102/{SID}_room__uid_s_7__uid_e_video_20240102030405006.jpg",
    utc="20240102030405006",
)
FIELDS = ["requestId", "callbackParam", "callbackData", "checksum", "object", "code", "msg",
          "channelName", "userId", "timestamp"]  # fmt: skip
INT64_RULE = "must be an integer of 64 bits (-2^63 to 2^63-1)"
TOO_DEEP = "body nests arrays or objects too deeply"


def body_text(url: str, **fragments: str) -> bytes:
    """NOTE's body for `url`, with some fields' JSON written out as given (so that a field can
    hold what json.dumps will not write, such as an integer of 5,000 digits)."""
    values = {name: json.dumps(value) for name, value in NOTE.body(url).items()}
    values.update(fragments)
    return ("{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in values.items()) + "}").encode()


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@dataclass
class Hook:
    server: WebhookServer
    journal: Journal
    log: EventLog
    unexpected: Unexpected

    def send(self, raw: bytes) -> tuple[int, dict[str, Any]]:
        response = exchange(self.server.port, post("/callback", raw))
        return status_of(response), json_body(response)

    def rejections(self) -> list[tuple[str | None, str | None, int, str]]:
        conn = connect(self.journal.path, readonly=True)
        try:
            rows = conn.execute(
                "SELECT request_id, object_key, answered, verdict FROM callbacks"
                " WHERE checksum_ok IS NULL ORDER BY id"
            ).fetchall()
        finally:
            conn.close()
        return [(r[0], r[1], int(r[2]), str(r[3])) for r in rows]


@pytest.fixture
def hook(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> Iterator[Hook]:
    """The webhook; after the test, nothing was reported, logged as an error or printed."""
    journal = Journal(tmp_path / "journal.sqlite3")
    log = EventLog()
    with (
        caplog.at_level(logging.WARNING),
        collecting_unexpected() as unexpected,
        running_webhook(journal, log) as server,
    ):
        yield Hook(server, journal, log, unexpected)
    journal.close()
    assert unexpected.errors == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []
    printed = capfd.readouterr()
    assert "Traceback" not in printed.err + printed.out


SURROGATE = "holds a lone surrogate ({} at character {}), not text"
SHAPES = [
    pytest.param({"callbackParam": '{"cname": "room", "x": ' + nested(5000) + "}"},
                 "", TOO_DEEP, "neither", id="nested-5000-deep"),
    pytest.param({"code": "9" * 5000}, "code", f"{INT64_RULE}, got one of 5000 digits", "both",
                 id="code-5000-digits"),
    pytest.param({"timestamp": "-" + "1" * 4301}, "timestamp",
                 f"{INT64_RULE}, got one of 4301 digits", "both", id="timestamp-4301-digits"),
    pytest.param({"code": str(10**30)}, "code", f"{INT64_RULE}, got one of 31 digits", "both",
                 id="code-10^30"),
    pytest.param({"code": str(INT64_MAX + 1)}, "code", f"{INT64_RULE}, got {INT64_MAX + 1}",
                 "both", id="code-2^63"),
    pytest.param({"code": str(INT64_MIN - 1)}, "code", f"{INT64_RULE}, got {INT64_MIN - 1}",
                 "both", id="code-below-int64"),
    pytest.param({"requestId": '"\\ud800"'}, "requestId", SURROGATE.format("\\ud800", 0),
                 "object", id="requestId-lone-surrogate"),
    pytest.param({"object": '"key\\udfff.jpg"'}, "object", SURROGATE.format("\\udfff", 3),
                 "requestId", id="object-lone-surrogate"),
    pytest.param({"callbackParam": '{"cname": "\\ud83d"}'}, "callbackParam.cname",
                 SURROGATE.format("\\ud83d", 0), "both", id="cname-lone-surrogate"),
]  # fmt: skip


@pytest.mark.parametrize(("fragments", "field", "problem", "kept"), SHAPES)
def test_a_hostile_body_is_a_400_naming_the_problem_and_journaled_as_a_rejection(
    hook: Hook, fragments: dict[str, str], field: str, problem: str, kept: str
) -> None:
    """`kept`: which of requestId and object the rejection's row keeps to name its shot (only
    text SQLite can store, from JSON the decoder can read)."""
    status, answer = hook.send(body_text(hook.server.url, **fragments))

    message = f"{field}: {problem}" if field else problem
    assert status == 400
    assert message in answer["error"] and answer.get("field", "") == field
    (rejected,) = hook.log.named(events.CALLBACK_REJECTED)
    assert (rejected["status"], rejected["field"]) == (400, field)
    assert message in rejected["problem"]
    ((request_id, object_key, answered, verdict),) = hook.rejections()
    assert answered == 400 and verdict.startswith("rejected (400): ") and message in verdict
    assert request_id == (NOTE.request_id if kept in ("both", "requestId") else None)
    assert object_key == (NOTE.object_key if kept in ("both", "object") else None)

    status, answer = hook.send(NOTE.encode(hook.server.url))
    assert (status, answer["checksum"]) == (200, "verified"), "the webhook keeps serving"


def test_long_integers_and_deep_nesting_where_no_field_is_read_are_no_reason_to_refuse(
    hook: Hook,
) -> None:
    """callbackParam may carry anything besides cname: its integers are never converted for a
    field, and nesting the decoder can take is fine."""
    extra = '{"cname": "room", "n": ' + "7" * 5000 + ', "deep": ' + nested(100) + "}"
    status, answer = hook.send(body_text(hook.server.url, callbackParam=extra))
    assert (status, answer["checksum"]) == (200, "verified")
    ((delivery, code),) = [
        (r["delivery"], r["code"]) for r in hook.log.named(events.CALLBACK_RECEIVED)
    ]
    assert (delivery, code) == (1, 200)


def test_the_edges_of_64_bits_are_accepted(hook: Hook) -> None:
    for code in (INT64_MIN, INT64_MAX):
        note = Notification(NOTE.request_id, "room", 7, NOTE.object_key, NOTE.utc, code=code)
        status, answer = hook.send(note.encode(hook.server.url))
        assert (status, answer["checksum"]) == (200, "verified"), code
    assert [r["code"] for r in hook.log.named(events.CALLBACK_RECEIVED)] == [INT64_MIN, INT64_MAX]


# -- the parser, fuzzed over such shapes ---------------------------------------------------------

URL = "http://127.0.0.1:8787/callback"
LONE = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
TEXT = st.text(st.characters(codec="utf-8") | LONE, max_size=12)


def escaped(text: str) -> str:
    """`text` as a JSON string, every character outside ASCII as a \\u escape (so lone
    surrogates reach the decoder the way a hostile sender writes them)."""
    return json.dumps(text.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass"))


@st.composite
def hostile_values(draw: st.DrawFn) -> str:
    """The JSON text of one hostile (or harmless) value."""
    kind = draw(st.sampled_from(["long-int", "int", "deep", "text", "object", "plain"]))
    if kind == "long-int":
        sign = draw(st.sampled_from(["", "-"]))
        return sign + draw(st.sampled_from("123456789")) + "0" * draw(st.integers(0, 6000))
    if kind == "int":
        return str(draw(st.integers(INT64_MIN - 10, INT64_MAX + 10) | st.integers()))
    if kind == "deep":
        # Hypothesis raises the recursion limit while it runs a test (by a few thousand): a
        # depth beyond any such limit is drawn as well as depths the decoder takes.
        depth = draw(st.integers(1, 200) | st.integers(20_000, 30_000))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a": ', "}")]))
        return opener * depth + "0" + closer * depth
    if kind == "text":
        return escaped(draw(TEXT))
    if kind == "object":
        return '{"cname": ' + escaped(draw(TEXT)) + ', "x": ' + draw(hostile_values()) + "}"
    return json.dumps(draw(st.none() | st.booleans() | st.floats(allow_nan=False)))


@st.composite
def hostile_bodies(draw: st.DrawFn) -> bytes:
    changed = draw(st.dictionaries(st.sampled_from(FIELDS), hostile_values(), max_size=3))
    return body_text(URL, **changed)


def test_fuzz_the_parser_accepts_only_what_can_be_checksummed_and_journaled(
    tmp_path: Path,
) -> None:
    """Every body is a Received or a PayloadError (never another exception), the error's text
    is printable, and a Received is checksummed and journaled in a real journal."""
    journal = Journal(tmp_path / "journal.sqlite3")
    seen: dict[str, int] = {}

    @settings(
        max_examples=300,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(raw=hostile_bodies())
    def check(raw: bytes) -> None:
        try:
            received = parse_body(raw)
        except PayloadError as exc:
            exc.message.encode("utf-8")  # it goes into the answer, the event and the journal
            seen[exc.field or "body"] = seen.get(exc.field or "body", 0) + 1
            return
        seen["accepted"] = seen.get("accepted", 0) + 1
        journal_received(journal, received, raw)

    try:
        check()
    finally:
        journal.close()
    assert {"accepted", "body", "code", "requestId"} <= set(seen), seen


def journal_received(journal: Journal, received: Received, raw: bytes) -> None:
    verified = received.checksum_matches(URL)
    record = journal.add_callback(
        remote="127.0.0.1",
        request_id=received.request_id,
        object_key=received.object_key,
        answered=200,
        checksum_ok=verified,
        verdict="fuzzed",
        code=received.code,
        raw_body=raw,
    )
    assert record.delivery >= 1
    json.dumps({"requestId": received.request_id, "msg": received.msg}, ensure_ascii=False).encode()
