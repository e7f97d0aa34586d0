"""Every answer the embedded webhook can give, over real loopback HTTP: the status it journals
and reports is the status the client received (0: the connection closed without an answer)."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from capture import events
from capture.journal.writer import Journal, connect
from capture.receiver.answers import AnswerMode
from capture.spec.payload import Notification
from tests.support.engine import running_webhook
from tests.support.events import EventLog
from tests.support.waits import WAIT_S

SID = "0123456789abcdef0123456789abcdef"
ELSEWHERE = "http://elsewhere.example/callback"  # a checksum made for another address


@dataclass(frozen=True)
class Case:
    mode: AnswerMode
    body: str  # "good", "bad-checksum" or "malformed"
    status: int  # what the client must receive


CASES = {
    "normal": Case(AnswerMode(), "good", 200),
    "normal-bad-checksum": Case(AnswerMode(), "bad-checksum", 200),
    "status-503": Case(AnswerMode.parse("status:503"), "good", 503),
    "status-201-bad-checksum": Case(AnswerMode.parse("status:201"), "bad-checksum", 201),
    "delay": Case(AnswerMode.parse("delay:0.2"), "good", 200),
    "non-json": Case(AnswerMode.parse("non-json"), "good", 200),
    "drop": Case(AnswerMode.parse("drop"), "good", 0),
    "reject-bad-checksum": Case(AnswerMode(reject_bad_checksum=True), "bad-checksum", 401),
    "reject-passes-a-good-one": Case(AnswerMode(reject_bad_checksum=True), "good", 200),
    "reject-wins-over-status": Case(
        AnswerMode.parse("status:500", reject_bad_checksum=True), "bad-checksum", 401
    ),
    "reject-wins-over-drop": Case(
        AnswerMode.parse("drop", reject_bad_checksum=True), "bad-checksum", 401
    ),
    "malformed": Case(AnswerMode.parse("status:503"), "malformed", 400),
}


def body_for(kind: str, url: str) -> bytes:
    note = Notification(
        request_id=f"{SID}_1704164645_{1:032x}",
        channel="room",
        uid=7,
        object_key=f"20240102/{SID}_room__uid_s_7__uid_e_video_20240102030405006.jpg",
        utc="20240102030405006",
    )
    if kind == "malformed":
        return json.dumps({**note.body(url), "code": "200"}).encode()  # code must be a number
    return note.encode(url if kind == "good" else ELSEWHERE)


def post(url: str, body: bytes) -> int:
    """POST `body`; the status received, or 0 if the connection closed without one."""
    host_port = url.removeprefix("http://").split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=WAIT_S)
    try:
        conn.request("POST", "/callback", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    except (ConnectionResetError, http.client.BadStatusLine):  # RemoteDisconnected is both
        return 0
    finally:
        conn.close()


def answered_column(journal: Journal) -> list[int]:
    conn = connect(journal.path, readonly=True)
    try:
        return [int(r[0]) for r in conn.execute("SELECT answered FROM callbacks ORDER BY id")]
    finally:
        conn.close()


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_the_journaled_status_is_the_status_received(tmp_path: Path, case: Case) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    log = EventLog()
    try:
        with running_webhook(journal, log, mode=case.mode) as hook:
            received = post(hook.url, body_for(case.body, hook.url))
        assert received == case.status
        assert answered_column(journal) == [received]
        if case.body == "malformed":
            [rejected] = log.named(events.CALLBACK_REJECTED)
            assert rejected["status"] == received
            assert log.named(events.CALLBACK_RECEIVED) == []
        else:
            [event] = log.named(events.CALLBACK_RECEIVED)
            assert event["answered"] == received
            assert event["checksum_ok"] is (case.body == "good")
    finally:
        journal.close()
