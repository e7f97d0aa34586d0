"""The embedded webhook under fire: answer modes a tester picks to watch the real sender retry,
bad and hostile requests, slow clients, crowds, random input; and the webhook-only mode."""

from __future__ import annotations

import asyncio
import io
import json
import signal
import socket
import string
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capture import events
from capture.cli import headless
from capture.cli.exits import Exit
from capture.cli.flags import parse_args
from capture.delivery.sender import client_session, deliver
from capture.errors import ConfigError
from capture.journal.writer import Journal
from capture.paths import DataDir
from capture.receiver.answers import AnswerKind, AnswerMode
from capture.receiver.webhook import MAX_BODY
from capture.spec.naming import new_request_id, new_sid, object_key, utc_digits
from capture.spec.payload import Notification
from tests.support.engine import collecting_unexpected, query, running_webhook
from tests.support.events import EventLog
from tests.support.notify import Harness, notifier_harness
from tests.support.processes import headless_process, json_lines
from tests.support.rawhttp import exchange, json_body, post, status_of

WAIT_S = 30.0
SLOW_S = 0.5  # the webhook's client timeout in the slow-client tests


def notification_body(callback_url: str, **changes: Any) -> bytes:
    sid, now = new_sid(), datetime.now(UTC)
    note = Notification(
        new_request_id(sid, now),
        "faults",
        7,
        object_key("", sid, "faults", 7, now),
        utc_digits(now),
    )
    body = note.body(callback_url)
    body.update(changes)
    return json.dumps(body).encode()


# -- answer modes, watched through the real sender -----------------------------------------------


@pytest.mark.parametrize(
    ("flag", "attempts", "cause", "answered"),
    [
        pytest.param("normal", 1, "", 200, id="normal"),
        pytest.param("status:500", 3, "status 500, expected 200", 500, id="status-500"),
        pytest.param("status:201", 3, "status 201, expected 200", 201, id="status-201"),
        pytest.param("non-json", 3, "status 200 but the body is not JSON", 200, id="non-json"),
        pytest.param("drop", 3, "connection closed before an answer", 0, id="drop"),
    ],
)
def test_answer_modes_get_the_attempts_the_spec_requires(
    data_dir: DataDir, flag: str, attempts: int, cause: str, answered: int
) -> None:
    mode = AnswerMode.parse(flag)
    with (
        collecting_unexpected() as unexpected,
        notifier_harness(data_dir) as harness,
        running_webhook(harness.journal, harness.log, mode=mode) as hook,
    ):
        sent = harness.send(hook.url)
    assert_attempts(harness, sent.job.shot_id, sent.job.request_id, attempts, cause)
    assert sent.delivered == (attempts == 1)
    received = harness.log.named(events.CALLBACK_RECEIVED)
    assert [(r["delivery"], r["retry"]) for r in received] == [
        (n, n > 1) for n in range(1, attempts + 1)
    ]
    assert {r["requestId"] for r in received} == {sent.job.request_id}
    assert all(r["shot_id"] == sent.job.shot_id and r["checksum_ok"] for r in received)
    rows = query(data_dir, "SELECT delivery, answered FROM callbacks ORDER BY id")
    assert [tuple(r) for r in rows] == [(n, answered) for n in range(1, attempts + 1)]
    assert unexpected.errors == []


def test_an_answer_after_6_seconds_times_out_three_times(data_dir: DataDir) -> None:
    """The one slow test: the webhook waits 6 s, the sender gives up on each attempt at 5 s."""
    with collecting_unexpected() as unexpected, notifier_harness(data_dir) as harness:
        mode = AnswerMode.parse("delay:6")
        with running_webhook(harness.journal, harness.log, mode=mode) as hook:
            sent = harness.send(hook.url)
    assert not sent.delivered
    assert_attempts(
        harness, sent.job.shot_id, sent.job.request_id, 3, "no complete answer within 5 s"
    )
    received = harness.log.named(events.CALLBACK_RECEIVED)
    assert [r["delivery"] for r in received] == [1, 2, 3]
    assert unexpected.errors == []


def test_bad_checksum_rejected_with_401_when_asked(data_dir: DataDir) -> None:
    mode = AnswerMode(reject_bad_checksum=True)
    with (
        notifier_harness(data_dir) as harness,
        running_webhook(harness.journal, harness.log, mode=mode) as hook,
    ):
        good = harness.send(hook.url)
        bad = harness.send(hook.url, checksum_url="http://elsewhere.example/callback")
    assert good.delivered
    assert not bad.delivered
    assert_attempts(harness, bad.job.shot_id, bad.job.request_id, 3, "status 401, expected 200")
    rejected = [r for r in harness.log.named(events.CALLBACK_RECEIVED) if not r["checksum_ok"]]
    assert [(r["answered"], r["delivery"]) for r in rejected] == [(401, 1), (401, 2), (401, 3)]
    assert "checksum does not match" in rejected[0]["verdict"]


def assert_attempts(
    harness: Harness, shot_id: int, request_id: str, count: int, cause: str
) -> None:
    rows = harness.attempts(shot_id)
    assert [r[0] for r in rows] == list(range(1, count + 1))
    assert {r[1] for r in rows} == {request_id}
    assert all(cause in r[3] for r in rows), rows


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("normal", AnswerMode()),
        ("status:503", AnswerMode(AnswerKind.STATUS, status=503)),
        ("delay:6", AnswerMode(AnswerKind.DELAY, delay_s=6.0)),
        ("delay:0.5", AnswerMode(AnswerKind.DELAY, delay_s=0.5)),
        ("non-json", AnswerMode(AnswerKind.NON_JSON)),
        ("NON_JSON", AnswerMode(AnswerKind.NON_JSON)),
        ("drop", AnswerMode(AnswerKind.DROP)),
        ("text", AnswerMode(AnswerKind.TEXT)),
        ("status:100", AnswerMode(AnswerKind.STATUS, status=100)),
        ("status:599", AnswerMode(AnswerKind.STATUS, status=599)),
        ("seq:500, 500,200", AnswerMode(AnswerKind.SEQUENCE, statuses=(500, 500, 200))),
        ("SEQ:204", AnswerMode(AnswerKind.SEQUENCE, statuses=(204,))),
    ],
)
def test_answer_flag_forms(text: str, expected: AnswerMode) -> None:
    assert AnswerMode.parse(text) == expected


@pytest.mark.parametrize(
    "text", ["", "sometimes", "status", "status:99", "status:600", "status:abc", "delay:-1",
             "delay:61", "drop:1", "normal:200", "text:OK", "status:2e2", "status:+200", "seq:",
             "seq:500,,200", "seq:500,600", "seq:" + ",".join(["500"] * 21), "body:"]
)  # fmt: skip
def test_bad_answer_flags_name_the_rule(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        AnswerMode.parse(text)
    assert caught.value.field == "webhook_answer"
    assert "status:CODE (100 to 599), delay:SECONDS (0 to 60)" in str(caught.value)


def test_headless_webhook_answer_flag_makes_the_run_fail(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    err = io.StringIO()
    args = parse_args(
        [
            *("--headless", "--source", "synthetic", "--interval", "1", "--count", "1"),
            *("--data-dir", str(data), "--webhook-port", "0", "--webhook-answer", "drop"),
            *("--events", str(data / "events.jsonl")),
        ]
    )
    assert headless.run(args, stderr=err) == Exit.FAILED
    got = json_lines((data / "events.jsonl").read_text().splitlines())
    received = [e for e in got if e["event"] == events.CALLBACK_RECEIVED]
    assert [(e["delivery"], e["retry"], e["answered"]) for e in received] == [
        (1, False, 0),
        (2, True, 0),
        (3, True, 0),
    ]
    assert "NOTIFICATION FAILED after 3 attempts: connection closed before an answer" in (
        err.getvalue()
    )


# -- bad requests -----------------------------------------------------------------------------


@pytest.fixture
def hook(data_dir: DataDir) -> Any:
    journal = Journal(data_dir.journal)
    log = EventLog()
    with (
        collecting_unexpected() as unexpected,
        running_webhook(journal, log, client_timeout_s=SLOW_S) as server,
    ):
        yield server, log
    journal.close()
    assert unexpected.errors == []


def test_body_over_64_kib_is_413(hook: Any) -> None:
    server, _log = hook
    response = exchange(server.port, post("/callback", b"x" * (MAX_BODY + 1)))
    assert status_of(response) == 413
    assert json_body(response) == {"error": "body larger than 64 KiB"}
    near_limit = notification_body(server.url, callbackData="y" * (MAX_BODY - 1024))
    assert len(near_limit) <= MAX_BODY
    assert status_of(exchange(server.port, post("/callback", near_limit))) == 200


def test_chunked_body_over_64_kib_is_413(hook: Any) -> None:
    server, _log = hook
    chunk = b"x" * 8192
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(9)) + b"0\r\n\r\n"
    request = (
        b"POST /callback HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n" + body
    )
    assert status_of(exchange(server.port, request)) == 413


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(hook: Any, method: str) -> None:
    server, _log = hook
    response = exchange(server.port, post("/callback", b"", method=method))
    assert status_of(response) == 405
    assert b"\r\nAllow: POST\r\n" in response.partition(b"\r\n\r\n")[0] + b"\r\n"
    assert "error" in json_body(response)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        pytest.param(b"\xff\xfe{}", "", "body is not UTF-8", id="not-utf8"),
        pytest.param(b'{"requestId": ', "", "body is not valid JSON", id="malformed"),
        pytest.param(b"[1, 2]", "", "body must be a JSON object", id="array"),
        pytest.param(
            {"code": "200"}, "code", "must be a number (integer), got a string", id="code"
        ),
        pytest.param({"userId": 7}, "userId", "must be a string, got an integer", id="userId"),
        pytest.param({"timestamp": 1.5}, "timestamp", "got a number", id="timestamp"),
        pytest.param(
            {"callbackParam": {"cname": None}}, "callbackParam.cname", "got null", id="cname"
        ),
        pytest.param({"object": None}, "object", "must be a string, got null", id="object"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(
    hook: Any, body: bytes | dict[str, Any], field: str, words: str
) -> None:
    server, log = hook
    raw = notification_body(server.url, **body) if isinstance(body, dict) else body
    response = exchange(server.port, post("/callback", raw))
    assert status_of(response) == 400
    answer = json_body(response)
    assert words in answer["error"] and answer.get("field", "") == field
    (rejected,) = log.named(events.CALLBACK_REJECTED)
    assert rejected["field"] == field and words in rejected["problem"]


def test_missing_field_is_named(hook: Any) -> None:
    server, _log = hook
    body = json.loads(notification_body(server.url))
    del body["checksum"]
    answer = json_body(exchange(server.port, post("/callback", json.dumps(body).encode())))
    assert answer == {"error": "checksum: missing", "field": "checksum"}


def test_malformed_http_is_a_rejection_not_a_crash(hook: Any) -> None:
    server, log = hook
    request = b"POST /callback HTTP/1.1\r\nHost: x\r\nBad: \x01\x7f\r\nContent-Length: 2\r\n\r\n{}"
    assert status_of(exchange(server.port, request)) == 400
    (rejected,) = log.named(events.CALLBACK_REJECTED)
    assert rejected["status"] == 400
    assert rejected["problem"] == "malformed HTTP request: Invalid header value char"


# -- slow clients and crowds ---------------------------------------------------------------------


def closed_by_server(sock: socket.socket) -> bytes:
    """Everything the server sent before closing (b'' if it just hung up)."""
    sock.settimeout(10.0)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def test_client_that_never_finishes_its_headers_is_cut_off(hook: Any) -> None:
    server, _log = hook
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST /callback HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
        assert closed_by_server(sock) == b""


def test_client_that_trickles_its_body_gets_408(hook: Any) -> None:
    server, _log = hook
    body = notification_body(server.url)
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(post("/callback", body)[: -len(body) // 2])  # headers, half the body
        response = closed_by_server(sock)
    assert status_of(response) == 408
    assert f"body not received within {SLOW_S:g} s" in json_body(response)["error"]


def test_many_connections_at_once(data_dir: DataDir) -> None:
    """200 idle connections hold nothing up: 50 real notifications sent at the same time are all
    answered, then the idle ones are closed."""
    with (
        notifier_harness(data_dir) as harness,
        running_webhook(harness.journal, harness.log, client_timeout_s=1.0) as hook,
    ):
        idle = [socket.create_connection(("127.0.0.1", hook.port)) for _ in range(200)]
        try:
            for sock in idle:
                sock.sendall(b"POST /callback HTTP/1.1\r\n")
            results = asyncio.run(concurrent_deliveries(hook.url, 50))
            assert all(r[-1].ok and len(r) == 1 for r in results)
            assert all(closed_by_server(sock) == b"" for sock in idle)
        finally:
            for sock in idle:
                sock.close()
    assert len(harness.log.named(events.CALLBACK_RECEIVED)) == 50


async def concurrent_deliveries(url: str, count: int) -> list[Any]:
    async with client_session() as session:
        return await asyncio.gather(
            *(deliver(session, url, notification_body(url)) for _ in range(count))
        )


# -- random input ----------------------------------------------------------------------------

TOKEN = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~"
RESERVED = {"content-length", "transfer-encoding", "connection", "host"}
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
FIELDS = ["requestId", "callbackParam", "callbackData", "checksum", "object", "code", "msg",
          "channelName", "userId", "timestamp"]  # fmt: skip


@st.composite
def requests(draw: st.DrawFn, url: str) -> bytes:
    method = draw(
        st.sampled_from(["POST", "POST", "POST", "GET", "PUT", "HEAD", "BREW", "OPTIONS"])
    )
    path = draw(
        st.sampled_from(["/callback", "/callback", "/", "/callback/", "/x", "/callback?a=1"])
    )
    kind = draw(st.sampled_from(["bytes", "json", "mutated"]))
    if kind == "bytes":
        body = draw(st.binary(max_size=3000))
    elif kind == "json":
        body = json.dumps(draw(JSON_VALUES)).encode()
    else:
        changed = draw(
            st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, min_size=1, max_size=3)
        )
        body = notification_body(url, **changed)
    names = st.text(alphabet=TOKEN, min_size=1, max_size=16).filter(
        lambda n: n.lower() not in RESERVED
    )
    values = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=60)
    headers = draw(st.lists(st.tuples(names, values), max_size=6))
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    head += [f"{n}: {v}" for n, v in headers] + ["Connection: close"]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def test_fuzz_every_request_is_answered_and_the_webhook_keeps_serving(data_dir: DataDir) -> None:
    journal = Journal(data_dir.journal)
    log = EventLog()
    seen: dict[int, int] = {}
    with collecting_unexpected() as unexpected, running_webhook(journal, log) as server:

        @settings(
            max_examples=200,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(request=requests(server.url))
        def check(request: bytes) -> None:
            status = status_of(exchange(server.port, request))
            assert status in (200, 400, 404, 405, 413), status
            seen[status] = seen.get(status, 0) + 1

        check()
        good = exchange(server.port, post("/callback", notification_body(server.url)))
    journal.close()
    assert status_of(good) == 200 and json_body(good)["checksum"] == "verified"
    assert unexpected.errors == []
    assert {400, 405} <= set(seen), seen


# -- where it listens, and the webhook-only mode ---------------------------------------------------


def test_listening_beyond_loopback_warns(data_dir: DataDir) -> None:
    journal = Journal(data_dir.journal)
    log = EventLog()
    with running_webhook(journal, log, host="0.0.0.0") as server:
        good = exchange(server.port, post("/callback", notification_body(server.url)))
    journal.close()
    (listening,) = log.named(events.WEBHOOK_LISTENING)
    assert listening["host"] == "0.0.0.0"
    assert "other machines can reach this webhook" in listening["note"]
    (warning,) = log.named(events.WARNING)
    assert warning["message"].startswith("listening on 0.0.0.0, not 127.0.0.1")
    assert server.url.startswith("http://127.0.0.1:")
    assert status_of(good) == 200


def test_loopback_by_default_without_warning(data_dir: DataDir) -> None:
    journal = Journal(data_dir.journal)
    log = EventLog()
    with running_webhook(journal, log) as server:
        assert server.host == "127.0.0.1"
    journal.close()
    assert log.named(events.WEBHOOK_LISTENING)[0]["note"] == ""
    assert log.named(events.WARNING) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_webhook_only_runs_until_a_signal_then_exits_0(tmp_path: Path, sig: signal.Signals) -> None:
    args = ["--webhook-only", "--webhook-port", "0", "--data-dir", str(tmp_path), "--events", "-"]
    with headless_process(args) as process:
        process.out.wait_for(
            lambda lines: any(events.WEBHOOK_LISTENING in line for line in lines),
            WAIT_S,
            "the webhook to listen",
        )
        (listening,) = [
            e for e in json_lines(process.out.lines) if e["event"] == events.WEBHOOK_LISTENING
        ]
        url = listening["url"]
        results = asyncio.run(concurrent_deliveries(url, 1))
        assert results[0][-1].ok
        process.out.wait_for(
            lambda lines: any(events.CALLBACK_RECEIVED in line for line in lines),
            WAIT_S,
            "the callback to be journaled",
        )
        process.send_signal(sig)
        assert process.wait(WAIT_S) == 0
    assert "webhook stopped" in process.err.join()
    assert "Traceback" not in "".join(process.err.lines)


def test_webhook_only_answers_hostile_json_400_and_still_exits_0_on_sigterm(tmp_path: Path) -> None:
    """Each shape used to be a 500 with an unexpected-error report, after which the process
    exited 1 on SIGTERM."""
    args = ["--webhook-only", "--webhook-port", "0", "--data-dir", str(tmp_path), "--events", "-"]
    with headless_process(args) as process:
        process.out.wait_for(
            lambda lines: any(events.WEBHOOK_LISTENING in line for line in lines),
            WAIT_S,
            "the webhook to listen",
        )
        (listening,) = [
            e for e in json_lines(process.out.lines) if e["event"] == events.WEBHOOK_LISTENING
        ]
        url, port = listening["url"], listening["port"]
        good = notification_body(url)
        hostile = [
            b'{"requestId": ' + b"[" * 5000 + b"]" * 5000 + b"}",
            good.replace(b'"code": 200', b'"code": ' + b"9" * 5000),
            notification_body(url, code=10**30),
            notification_body(url, requestId="\ud800"),
            notification_body(url, object="\udfff"),
        ]
        statuses = [status_of(exchange(port, post("/callback", raw))) for raw in hostile]
        assert statuses == [400] * len(hostile)
        assert status_of(exchange(port, post("/callback", good))) == 200
        process.out.wait_for(
            lambda lines: sum(events.CALLBACK_RECEIVED in line for line in lines) == 1,
            WAIT_S,
            "the good callback to be journaled",
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(WAIT_S) == 0
    got = json_lines(process.out.lines)
    assert len([e for e in got if e["event"] == events.CALLBACK_REJECTED]) == len(hostile)
    assert "Traceback" not in "".join(process.err.lines)
    log = DataDir.resolve(tmp_path).log
    assert "Traceback" not in (log.read_text() if log.exists() else "")
