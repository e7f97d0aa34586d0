"""The sender against real loopback servers that fail in every way a webhook can: each failure
gets exactly the spec's three attempts, all with the same requestId, and the journal records
each attempt's cause in words."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from capture import events
from capture.cli import headless
from capture.cli.exits import Exit
from capture.cli.flags import parse_args
from capture.paths import DataDir
from tests.support.engine import query
from tests.support.notify import Harness, notifier_harness
from tests.support.rawhttp import (
    Behaviour,
    FaultyServer,
    answer,
    plain_http_to_tls_client,
    reset_mid_response,
    self_signed_context,
    tls_untrusted,
)
from tests.support.servers import free_port

WAIT_S = 30.0


@pytest.fixture
def harness(data_dir: DataDir) -> Iterator[Harness]:
    with notifier_harness(data_dir) as made:
        yield made


@contextlib.contextmanager
def serving(behaviour: Behaviour, tmp_path: Path) -> Iterator[FaultyServer]:
    context = self_signed_context(tmp_path) if behaviour.tls else None
    with FaultyServer(behaviour, context) as server:
        yield server


FAILURES = [
    pytest.param(answer(500, b'{"error": "boom"}'), "status 500, expected 200", id="500"),
    pytest.param(answer(201, b'{"ok": true}'), "status 201, expected 200", id="201"),
    pytest.param(
        answer(200, b"OK", "text/plain"), "status 200 but the body is not JSON", id="non-json"
    ),
    pytest.param(reset_mid_response(), "connection broken mid-answer", id="reset"),
    pytest.param(tls_untrusted(), "TLS certificate rejected", id="tls-untrusted"),
    pytest.param(plain_http_to_tls_client(), "TLS handshake failed", id="tls-garbage"),
    pytest.param(None, "cannot connect: connection refused by 127.0.0.1:", id="refused"),
]


@pytest.mark.parametrize(("behaviour", "cause"), FAILURES)
def test_each_failure_gets_three_attempts_with_one_request_id(
    harness: Harness, tmp_path: Path, behaviour: Behaviour | None, cause: str
) -> None:
    if behaviour is None:
        server = None
        sent = harness.send(f"http://127.0.0.1:{free_port()}/callback")
    else:
        with serving(behaviour, tmp_path) as server:
            sent = harness.send(server.url)

    assert not sent.delivered
    attempts = harness.attempts(sent.job.shot_id)
    assert [a[0] for a in attempts] == [1, 2, 3]
    assert {a[1] for a in attempts} == {sent.job.request_id}
    assert all(cause in a[3] for a in attempts), attempts
    reported = harness.log.named(events.NOTIFY_ATTEMPT)
    assert [(r["attempt"], r["requestId"], r["ok"]) for r in reported] == [
        (n, sent.job.request_id, False) for n in (1, 2, 3)
    ]
    (failed,) = harness.log.named(events.NOTIFY_FAILED)
    assert failed["attempts"] == 3 and cause in failed["error"]
    state = query(harness.data_dir, "SELECT notify_state FROM shots WHERE id = ?", sent.job.shot_id)
    assert state[0][0] == "failed"
    if server is not None and server.behaviour.scheme == "http":
        assert server.bodies == [sent.job.body] * 3, "every attempt carries the same body"
    if server is not None:
        assert server.connections == 3, "each attempt opens its own connection"


def test_status_recorded_per_attempt(harness: Harness, tmp_path: Path) -> None:
    with serving(answer(201, b"{}"), tmp_path) as server:
        sent = harness.send(server.url)
    assert [a[2] for a in harness.attempts(sent.job.shot_id)] == [201, 201, 201]


def test_a_good_answer_is_one_attempt(harness: Harness, tmp_path: Path) -> None:
    with serving(answer(200, b'{"ok": true}'), tmp_path) as server:
        sent = harness.send(server.url)
    assert sent.delivered
    assert harness.attempts(sent.job.shot_id) == [(1, sent.job.request_id, 200, "")]
    assert len(server.bodies) == 1


def test_headless_count_exits_1_when_a_notification_finally_failed(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/callback"
    data = tmp_path / "data"
    err = io.StringIO()
    args = parse_args(
        [
            *("--headless", "--source", "synthetic", "--interval", "1", "--count", "1"),
            *("--callback-url", dead, "--data-dir", str(data)),
        ]
    )
    code = headless.run(args, stderr=err)

    assert code == Exit.FAILED
    failed = "NOTIFICATION FAILED after 3 attempts: cannot connect: connection refused by"
    assert failed in err.getvalue()
    rows = query(DataDir.resolve(data), "SELECT upload_state, notify_state FROM shots")
    assert [tuple(r) for r in rows] == [("uploaded", "failed")]
    attempts = query(
        DataDir.resolve(data), "SELECT COUNT(*), COUNT(DISTINCT request_id) FROM attempts"
    )
    assert tuple(attempts[0]) == (3, 1)
