"""Resending a journaled notification (`--resend`): a headless pipeline notifies a recording
webhook on loopback, then the resend reaches it (or another one, `--to`) as the spec's retry
does, or with its checksum made for the new callbackAddr; its attempts are journaled beside
the shot's, and a bad flag or requestId exits 2 naming the flag."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import main
from capture.cli import headless
from capture.cli.exits import Exit
from capture.cli.flags import parse_args
from capture.delivery.resend import SAME, ResendRequest, prepare, resend
from capture.errors import ConfigError, ShotHookError
from capture.journal.reader import TimelineReader
from capture.journal.writer import Journal
from capture.runtime import StopToken
from capture.spec.naming import is_request_id
from capture.spec.payload import checksum
from tests.support.recorders import Recorder, recorders

__all__ = ["recorders"]  # the fixture, imported for pytest


def run(*argv: str) -> tuple[Exit, str]:
    err = io.StringIO()
    return headless.run(parse_args(["--headless", *argv]), stderr=err), err.getvalue()


@pytest.fixture
def notified(tmp_path: Path, recorders: tuple[Recorder, Recorder]) -> tuple[Path, bytes, str]:
    """A data folder whose one shot notified the first recorder: its body and requestId."""
    first, _ = recorders
    data = tmp_path / "data"
    code, err = run(
        *("--source", "synthetic", "--interval", "1", "--count", "1"),
        *("--data-dir", str(data), "--callback-url", first.url),
    )
    assert code == Exit.OK, err
    [body] = first.bodies
    first.bodies.clear()
    return data, body, json.loads(body)["requestId"]


def test_resend_reaches_the_webhook_with_the_identical_body_and_request_id(
    notified: tuple[Path, bytes, str], recorders: tuple[Recorder, Recorder]
) -> None:
    data, body, request_id = notified
    first, _ = recorders
    code, err = run("--resend", request_id, "--data-dir", str(data))
    assert code == Exit.OK, err
    assert first.bodies == [body]  # byte for byte, the spec's retry
    assert f"resent requestId {request_id} to {first.url} ({SAME}): delivered on attempt 1" in err
    reader = TimelineReader(data / "journal.sqlite3")
    try:
        [row] = reader.newest(10).rows
        [again] = row.resends
        assert len(row.attempts) == 1  # the pipeline's own attempt, unchanged
        assert (again.delivered, again.request_id, again.note) == (True, request_id, SAME)
        assert [(a.attempt, a.status, a.ok) for a in again.attempts] == [(1, 200, True)]
        detail = reader.detail(row)
        assert detail.resent[0][1] == body.decode()  # the body exactly as sent
    finally:
        reader.close()


def test_resend_to_elsewhere_recomputes_the_checksum_for_that_address(
    notified: tuple[Path, bytes, str], recorders: tuple[Recorder, Recorder]
) -> None:
    data, body, request_id = notified
    first, second = recorders
    code, err = run("--resend", request_id, "--to", second.url, "--data-dir", str(data))
    assert code == Exit.OK, err
    assert first.bodies == []
    [sent] = [json.loads(b) for b in second.bodies]
    original = json.loads(body)
    assert sent["requestId"] == request_id
    assert sent["checksum"] == checksum(second.url, sent["code"], sent["object"], request_id)
    assert sent["checksum"] != original["checksum"]
    assert {k: v for k, v in sent.items() if k != "checksum"} == {
        k: v for k, v in original.items() if k != "checksum"
    }
    assert f"checksum recomputed for callbackAddr {second.url}" in err


def test_a_new_request_id_gets_a_checksum_of_its_own(
    notified: tuple[Path, bytes, str], recorders: tuple[Recorder, Recorder]
) -> None:
    data, _body, request_id = notified
    _, second = recorders
    argv = ("--resend", request_id, "--to", second.url, "--new-request-id")
    code, err = run(*argv, "--data-dir", str(data))
    assert code == Exit.OK, err
    [sent] = [json.loads(b) for b in second.bodies]
    new = sent["requestId"]
    assert new != request_id and is_request_id(new)
    assert new.split("_")[0] == request_id.split("_")[0]  # the same session's sid
    assert sent["checksum"] == checksum(second.url, sent["code"], sent["object"], new)
    assert f"new requestId {new}" in err
    # the new requestId is in the journal now, and can itself be resent
    second.bodies.clear()
    assert run("--resend", new, "--data-dir", str(data))[0] == Exit.OK
    assert [json.loads(b)["requestId"] for b in second.bodies] == [new]


def test_a_resend_that_fails_exits_1_after_3_attempts(
    notified: tuple[Path, bytes, str], recorders: tuple[Recorder, Recorder]
) -> None:
    data, body, request_id = notified
    first, _ = recorders
    first.status = 503
    code, err = run("--resend", request_id, "--data-dir", str(data))
    assert code == Exit.FAILED
    assert first.bodies == [body] * 3  # the same body on each attempt
    assert "failed after 3 attempts: status 503, expected 200" in err
    reader = TimelineReader(data / "journal.sqlite3")
    try:
        [row] = reader.newest(10).rows
        assert row.resends[0].delivered is False
        assert [a.status for a in row.resends[0].attempts] == [503, 503, 503]
    finally:
        reader.close()


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("--resend", "nope"), "shothook: --resend: no notification with this requestId"),
        (("--resend", " "), "shothook: --resend: a requestId from the journal, not empty."),
        (("--to", "http://127.0.0.1:1/x"), "shothook: --resend: required with --to"),
        (("--new-request-id",), "shothook: --resend: required with --new-request-id"),
        (("--resend", "x", "--to", "ftp://h/x"), "shothook: --to: must be an http:// or https://"),
    ],
)
def test_bad_resend_flags_exit_2_naming_the_flag(
    notified: tuple[Path, bytes, str], argv: tuple[str, ...], said: str
) -> None:
    data, _body, _request_id = notified
    code, err = run(*argv, "--data-dir", str(data))
    assert code == Exit.CONFIG
    assert err.startswith(said), err


def test_resend_without_a_journal_exits_2(tmp_path: Path) -> None:
    code, err = run("--resend", "x", "--data-dir", str(tmp_path / "empty"))
    assert code == Exit.CONFIG
    assert "shothook: --resend: no journal at" in err
    assert not (tmp_path / "empty").exists()  # nothing made


def test_an_edited_body_is_checked_and_its_checksum_made_unless_told_not(
    notified: tuple[Path, bytes, str],
) -> None:
    data, body, request_id = notified
    journal = Journal(data / "journal.sqlite3")
    try:
        original = journal.sent_notification(request_id)
    finally:
        journal.close()
    assert original is not None
    edited = json.loads(body)
    edited["msg"] = "edited by hand"
    text = json.dumps(edited, indent=1)
    to = "http://127.0.0.1:9/elsewhere"
    kept = prepare(original, ResendRequest(request_id, to=to, body=text, recompute=False))
    assert kept.body == text.encode()  # exactly as typed, the old checksum too
    made = json.loads(prepare(original, ResendRequest(request_id, to=to, body=text)).body)
    assert made["msg"] == "edited by hand"
    assert made["checksum"] == checksum(to, made["code"], made["object"], request_id)
    for bad, why in [("{", "must be JSON"), ("[1]", "JSON object"), ('{"code": "x"}', "")]:
        with pytest.raises(ConfigError) as caught:
            prepare(original, ResendRequest(request_id, body=bad))
        assert caught.value.field == "resend_body"
        assert why in caught.value.rule


def test_prune_forgets_a_shots_resends_with_it(
    notified: tuple[Path, bytes, str], recorders: tuple[Recorder, Recorder]
) -> None:
    data, _body, request_id = notified
    assert run("--resend", request_id, "--data-dir", str(data))[0] == Exit.OK
    journal = Journal(data / "journal.sqlite3")
    try:
        pruned = journal.prune(datetime.now(UTC) + timedelta(days=1))
        assert (pruned.sessions, pruned.shots) == (1, 1)
        assert journal.sent_notification(request_id) is None
    finally:
        journal.close()


def test_resend_flags_alone_are_headless_errors_not_the_window(tmp_path: Path) -> None:
    assert main.main(["--to", "http://127.0.0.1:9/x", "--data-dir", str(tmp_path)]) == Exit.CONFIG
    assert main.main(["--new-request-id", "--data-dir", str(tmp_path)]) == Exit.CONFIG


def test_a_stop_set_after_a_resend_ended_is_harmless(
    notified: tuple[Path, bytes, str], recorders: tuple[Recorder, Recorder]
) -> None:
    """The window's closing token outlives each resend: setting it later reaches no closed
    loop (it once raised 'Event loop is closed' on close)."""
    data, body, request_id = notified
    first, _ = recorders
    stop = StopToken()
    journal = Journal(data / "journal.sqlite3")
    try:
        outcome = resend(journal, ResendRequest(request_id), stop=stop)
        assert outcome.delivered and first.bodies == [body]
        stop.set()  # raised RuntimeError before the callback was forgotten
    finally:
        journal.close()


def test_a_stop_during_a_resend_ends_it_journaled_as_failed(
    notified: tuple[Path, bytes, str], recorders: tuple[Recorder, Recorder]
) -> None:
    data, _body, request_id = notified
    stop = StopToken()
    stop.set()  # already closing: the resend ends at once
    journal = Journal(data / "journal.sqlite3")
    try:
        with pytest.raises(ShotHookError, match="stopped before it ended"):
            resend(journal, ResendRequest(request_id), stop=stop)
    finally:
        journal.close()
    reader = TimelineReader(data / "journal.sqlite3")
    try:
        [row] = reader.newest(10).rows
        assert [r.delivered for r in row.resends] in ([False], [])
    finally:
        reader.close()
