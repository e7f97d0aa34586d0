"""The custom answers (text, status 100-599, body:FILE or typed, seq:...) over real loopback
HTTP, a delayed answer journaled only once sent, and headless pipelines the real sender
judges: a sequence recovers on attempt 3, a text "OK" fails after 3."""

from __future__ import annotations

import http.client
import io
import threading
import time
from pathlib import Path

import pytest

from capture import events
from capture.cli import headless
from capture.cli.exits import Exit
from capture.cli.flags import answer_mode_from_args, parse_args
from capture.errors import ConfigError
from capture.journal.writer import Journal
from capture.receiver import answers
from capture.receiver.answers import ANSWERING, AnswerKind, AnswerMode
from tests.receiver.test_webhook_answers import answered_column, body_for, post
from tests.support.engine import running_webhook
from tests.support.events import EventLog
from tests.support.processes import json_lines
from tests.support.waits import POLL_S, WAIT_S


def journal_shows(journal: Journal, answered: list[int]) -> None:
    """Wait (bounded) until the journal's answered column reads `answered`: the journal has no
    change signal a test can wait on, so it is read again every POLL_S."""
    deadline = time.monotonic() + WAIT_S
    while answered_column(journal) != answered:
        assert time.monotonic() < deadline, f"journal says {answered_column(journal)}"
        threading.Event().wait(POLL_S)


def exchange(url: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    """POST `body`: the status, headers (names lowercased) and body received."""
    host_port = url.removeprefix("http://").split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=WAIT_S)
    try:
        conn.request("POST", "/callback", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return response.status, headers, response.read()
    finally:
        conn.close()


def answered(mode: AnswerMode, tmp_path: Path, bodies: list[str]) -> list[tuple[int, bytes]]:
    """What the webhook in `mode` answered to each body ('good' or 'other': another
    requestId), in turn."""
    journal = Journal(tmp_path / "journal.sqlite3")
    try:
        with running_webhook(journal, EventLog(), mode=mode) as hook:
            out = []
            for kind in bodies:
                body = body_for("good", hook.url)
                if kind == "other":
                    body = body.replace(b"_1704164645_", b"_1704164646_")
                status, _headers, received = exchange(hook.url, body)
                out.append((status, received))
        return out
    finally:
        journal.close()


def test_text_answers_200_text_plain_ok(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    try:
        with running_webhook(journal, EventLog(), mode=AnswerMode.parse("text")) as hook:
            status, headers, body = exchange(hook.url, body_for("good", hook.url))
        assert (status, body) == (200, b"OK")
        assert headers["content-type"].startswith("text/plain")
        assert answered_column(journal) == [200]
    finally:
        journal.close()


def test_a_sequence_answers_each_delivery_of_a_request_id_in_turn(tmp_path: Path) -> None:
    mode = AnswerMode.parse("seq:500,503,200")
    got = answered(mode, tmp_path, ["good", "good", "other", "good", "good"])
    # the other requestId starts its own count; beyond the list, the last status again
    assert [status for status, _ in got] == [500, 503, 500, 200, 200]
    assert b"delivery 2: status 503" in got[1][1]


def test_a_new_mode_starts_the_sequence_over(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    try:
        with running_webhook(journal, EventLog(), mode=AnswerMode.parse("seq:500,200")) as hook:
            body = body_for("good", hook.url)
            first = [exchange(hook.url, body)[0] for _ in range(2)]
            hook.set_mode(AnswerMode.parse("seq:404,200"))
            again = exchange(hook.url, body)[0]
        assert (first, again) == ([500, 200], 404)
    finally:
        journal.close()


@pytest.mark.parametrize("status", [100, 599])
def test_the_status_range_is_100_to_599_headless_as_in_the_window(status: int) -> None:
    args = parse_args(["--headless", "--webhook-answer", f"status:{status}"])
    assert answer_mode_from_args(args) == AnswerMode(AnswerKind.STATUS, status=status)
    assert (answers.STATUS_MIN, answers.STATUS_MAX) == (100, 599)


def test_status_599_is_answered_over_http(tmp_path: Path) -> None:
    assert [s for s, _ in answered(AnswerMode.parse("status:599"), tmp_path, ["good"])] == [599]


def test_body_file_answers_its_bytes_with_a_guessed_type(tmp_path: Path) -> None:
    page = tmp_path / "answer.html"
    page.write_bytes(b"<html><body>maintenance</body></html>")
    blob = tmp_path / "answer.unknownext"
    blob.write_bytes(b"\xff\xfe\x00binary")
    plain = tmp_path / "answer-no-suffix"
    plain.write_bytes(b'{"code": 0}')
    for path, expected in [
        (page, "text/html"),
        (blob, "application/octet-stream"),
        (plain, "application/json"),
    ]:
        mode = AnswerMode.parse(f"body:{path}")
        journal = Journal(tmp_path / f"{path.name}.sqlite3")
        try:
            with running_webhook(journal, EventLog(), mode=mode) as hook:
                status, headers, body = exchange(hook.url, body_for("good", hook.url))
        finally:
            journal.close()
        assert (status, body) == (200, path.read_bytes())
        assert headers["content-type"].startswith(expected), path
    assert "the bytes of" in AnswerMode.parse(f"body:{page}").describe()


def test_a_typed_body_and_headers_are_sent_as_typed(tmp_path: Path) -> None:
    mode = answers.typed('{"result": "ok"}', "X-Trace: abc 1\n\nSet-Cookie: a=1\nSet-Cookie: b=2")
    assert mode.content_type == "application/json"
    journal = Journal(tmp_path / "journal.sqlite3")
    try:
        with running_webhook(journal, EventLog(), mode=mode) as hook:
            host_port = hook.url.removeprefix("http://").split("/", 1)[0]
            host, port = host_port.rsplit(":", 1)
            conn = http.client.HTTPConnection(host, int(port), timeout=WAIT_S)
            conn.request("POST", "/callback", body=body_for("good", hook.url))
            response = conn.getresponse()
            cookies = response.msg.get_all("Set-Cookie")
            assert (response.status, response.read()) == (200, b'{"result": "ok"}')
            assert response.getheader("X-Trace") == "abc 1"
            conn.close()
        assert cookies == ["a=1", "b=2"]
    finally:
        journal.close()


def test_a_typed_content_type_wins_over_the_guess() -> None:
    mode = answers.typed("OK", "content-type: application/xml")
    assert (mode.content_type, mode.headers) == ("application/xml", ())


@pytest.mark.parametrize(
    "headers", ["no colon here", "Bad Name: x", "X-A: line\tbreak\x07", "Content-Length: 3"]
)
def test_bad_typed_headers_name_the_field(headers: str) -> None:
    with pytest.raises(ConfigError) as caught:
        answers.typed("{}", headers)
    assert caught.value.field == "answer_headers"


def test_a_missing_body_file_is_the_flags_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(ConfigError) as caught:
        AnswerMode.parse(f"body:{missing}")
    assert caught.value.field == "webhook_answer"
    assert "can be read" in caught.value.rule
    err = io.StringIO()
    args = parse_args(["--headless", "--data-dir", str(tmp_path), "--webhook-answer", "body:/n"])
    assert headless.run(args, stderr=err) == Exit.CONFIG
    assert err.getvalue().startswith("shothook: --webhook-answer: body:FILE must name a file")


def test_a_body_file_over_64_kib_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (answers.BODY_MAX + 1))
    with pytest.raises(ConfigError, match="at most 64 KiB"):
        AnswerMode.parse(f"body:{big}")


def test_status_600_is_refused_headless_naming_the_flag(tmp_path: Path) -> None:
    err = io.StringIO()
    args = parse_args(["--headless", "--data-dir", str(tmp_path), "--webhook-answer", "status:600"])
    assert headless.run(args, stderr=err) == Exit.CONFIG
    assert err.getvalue().startswith("shothook: --webhook-answer: must be normal, text, status:")
    assert "(got 'status:600')" in err.getvalue()


def test_a_delayed_answer_is_journaled_only_once_sent(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    got: list[int] = []
    try:
        with running_webhook(journal, EventLog(), mode=AnswerMode.parse("delay:60")) as hook:
            body = body_for("good", hook.url)
            client = threading.Thread(target=lambda: got.append(post(hook.url, body)))
            client.start()
            journal_shows(journal, [ANSWERING])
            assert got == []  # still waiting: nothing answered, and the journal says so
        client.join(WAIT_S)
        assert got == [0]  # stopping drops a delayed answer
        assert answered_column(journal) == [answers.DROPPED]
    finally:
        journal.close()


def test_a_short_delay_journals_the_status_sent(tmp_path: Path) -> None:
    got = answered(AnswerMode.parse("delay:0.1"), tmp_path, ["good"])
    assert [s for s, _ in got] == [200]
    journal = Journal(tmp_path / "journal.sqlite3")
    try:
        assert answered_column(journal) == [200]
    finally:
        journal.close()


# -- the real sender judges them in a headless pipeline ------------------------------------


def pipeline(tmp_path: Path, answer: str) -> tuple[Exit, list[dict[str, object]], str]:
    data = tmp_path / "data"
    data.mkdir()
    err = io.StringIO()
    args = parse_args(
        [
            *("--headless", "--source", "synthetic", "--interval", "1", "--count", "1"),
            *("--data-dir", str(data), "--webhook-port", "0", "--webhook-answer", answer),
            *("--events", str(data / "events.jsonl")),
        ]
    )
    code = headless.run(args, stderr=err)
    return code, json_lines((data / "events.jsonl").read_text().splitlines()), err.getvalue()


def test_seq_500_500_200_makes_the_notification_succeed_on_attempt_3(tmp_path: Path) -> None:
    code, got, _err = pipeline(tmp_path, "seq:500,500,200")
    assert code == Exit.OK
    attempts = [(e["attempt"], e["status"], e["ok"]) for e in got if e["event"] == "notify_attempt"]
    assert attempts == [(1, 500, False), (2, 500, False), (3, 200, True)]
    [succeeded] = [e for e in got if e["event"] == events.NOTIFY_SUCCEEDED]
    assert succeeded["attempts"] == 3
    received = [e["answered"] for e in got if e["event"] == events.CALLBACK_RECEIVED]
    assert received == [500, 500, 200]


def test_text_makes_the_notification_fail_after_3_attempts(tmp_path: Path) -> None:
    code, got, err = pipeline(tmp_path, "text")
    assert code == Exit.FAILED
    attempts = [(e["status"], e["error"]) for e in got if e["event"] == "notify_attempt"]
    assert attempts == [(200, "status 200 but the body is not JSON")] * 3
    assert [e["event"] for e in got].count(events.NOTIFY_FAILED) == 1
    assert "NOTIFICATION FAILED after 3 attempts" in err


def test_status_599_fails_a_headless_pipeline_after_3_attempts(tmp_path: Path) -> None:
    code, got, _err = pipeline(tmp_path, "status:599")
    assert code == Exit.FAILED
    received = [e["answered"] for e in got if e["event"] == events.CALLBACK_RECEIVED]
    assert received == [599, 599, 599]


def test_a_sender_that_hangs_up_before_a_delayed_answer_is_journaled_as_gone(
    tmp_path: Path,
) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    try:
        with running_webhook(journal, EventLog(), mode=AnswerMode.parse("delay:1")) as hook:
            host_port = hook.url.removeprefix("http://").split("/", 1)[0]
            host, port = host_port.rsplit(":", 1)
            conn = http.client.HTTPConnection(host, int(port), timeout=WAIT_S)
            conn.request("POST", "/callback", body=body_for("good", hook.url))
            journal_shows(journal, [ANSWERING])
            conn.close()  # the sender gives up, as the real one does after 5 s
            journal_shows(journal, [answers.SENDER_GONE])
    finally:
        journal.close()
