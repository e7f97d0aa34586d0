"""The sender against real loopback servers that fail in every way a webhook can: each failure
gets exactly the spec's three attempts, all with the same requestId, and the journal records
each attempt's cause in words."""

from __future__ import annotations

import contextlib
import io
import re
import selectors
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from capture import events
from capture.cli import headless
from capture.cli.exits import Exit
from capture.cli.flags import parse_args
from capture.delivery.sender import MAX_ANSWER
from capture.paths import DataDir
from tests.support.engine import collecting_unexpected, query
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
from tests.support.waits import POLL_S

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
    pytest.param(
        answer(200, b"[" * 30_000 + b"]" * 30_000),
        "status 200 but the body nests too deeply to read as JSON",
        id="deep-json",
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


# -- redirects: the answer must come from the callback URL itself ----------------------------------


def redirect_to(location: bytes, status: int = 302) -> Behaviour:
    def respond(server: FaultyServer, conn: socket.socket) -> None:
        server.receive(conn)
        conn.sendall(
            f"HTTP/1.1 {status} Redirect\r\nContent-Length: 0\r\nConnection: close\r\n".encode()
            + b"Location: "
            + location
            + b"\r\n\r\n"
        )

    return Behaviour(f"{status} to {location!r}", respond)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_a_failed_attempt_and_is_not_followed(
    harness: Harness, tmp_path: Path, status: int
) -> None:
    """A 302 followed would be repeated as a GET without the body, and the other server's 200
    would count as delivered; 307 and 308 would repost the body elsewhere."""
    with (
        collecting_unexpected() as unexpected,
        serving(answer(200, b'{"ok": true}'), tmp_path) as elsewhere,
        serving(redirect_to(elsewhere.url.encode(), status), tmp_path) as redirecting,
    ):
        sent = harness.send(redirecting.url)
    assert not sent.delivered
    cause = f"status {status}: redirected to {elsewhere.url}, not followed"
    attempts = harness.attempts(sent.job.shot_id)
    assert attempts == [(n, sent.job.request_id, status, cause) for n in (1, 2, 3)]
    (failed,) = harness.log.named(events.NOTIFY_FAILED)
    assert failed["error"] == cause
    assert redirecting.bodies == [sent.job.body] * 3
    assert elsewhere.connections == 0, "the redirect's target was never contacted"
    assert unexpected.errors == []


def test_a_redirect_to_bytes_that_are_not_utf8_is_journaled_escaped(
    harness: Harness, tmp_path: Path
) -> None:
    """aiohttp decodes such header bytes to lone surrogates, which SQLite refuses to store."""
    with (
        collecting_unexpected() as unexpected,
        serving(redirect_to(b"http://elsewhere.example/\xff\xe9"), tmp_path) as server,
    ):
        sent = harness.send(server.url)
    assert not sent.delivered
    causes = {a[3] for a in harness.attempts(sent.job.shot_id)}
    assert causes == {
        "status 302: redirected to http://elsewhere.example/\\udcff\\udce9, not followed"
    }
    assert unexpected.errors == []


def test_a_long_location_is_shortened_in_the_cause(harness: Harness, tmp_path: Path) -> None:
    target = b"http://elsewhere.example/" + b"a" * 5000
    with serving(redirect_to(target), tmp_path) as server:
        sent = harness.send(server.url)
    (cause,) = {a[3] for a in harness.attempts(sent.job.shot_id)}
    assert cause.startswith("status 302: redirected to http://elsewhere.example/aaa")
    assert cause.endswith("..., not followed") and len(cause) < 300


# -- answers too large to read: only a bounded prefix is ever read ---------------------------------

GIB = 1 << 30


def send_all_unless_stopped(server: FaultyServer, conn: socket.socket, data: bytes) -> bool:
    """Send every byte of `data` while the peer reads; False once the server stops. A closed
    peer raises (the server's handler ends quietly on OSError)."""
    view = memoryview(data)
    with selectors.DefaultSelector() as sel:
        sel.register(conn, selectors.EVENT_WRITE)
        while view:
            if server.stopping.is_set():
                return False
            if sel.select(POLL_S):
                view = view[conn.send(view) :]
    return True


def huge_answer(sized: bool) -> Behaviour:
    """200 with a body that never ends: chunked for ever, or a Content-Length of 1 GiB of
    valid JSON (`{"ok": true}` then spaces), streamed for as long as the client reads."""

    def respond(server: FaultyServer, conn: socket.socket) -> None:
        server.receive(conn)
        framing = f"Content-Length: {GIB}" if sized else "Transfer-Encoding: chunked"
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
        first, pad = b'{"ok": true}', b" " * 65536
        if not sized:
            first, pad = (b"%x\r\n%s\r\n" % (len(part), part) for part in (first, pad))
        if not send_all_unless_stopped(server, conn, head.encode() + first):
            return
        for _ in range(GIB // len(pad)):
            if not send_all_unless_stopped(server, conn, pad):
                return

    return Behaviour("a 1 GiB answer" if sized else "an endless answer", respond)


def rss_kib(field: str) -> int:
    status = Path("/proc/self/status").read_text()
    found = re.search(rf"^{field}:\s+(\d+) kB$", status, re.MULTILINE)
    assert found, field
    return int(found.group(1))


@contextlib.contextmanager
def peak_rss_growth() -> Iterator[list[int]]:
    """Yields a list that receives the process's peak RSS growth in bytes over the block:
    the kernel's high-water mark (VmHWM), reset at the start through /proc/self/clear_refs."""
    if not sys.platform.startswith("linux"):
        pytest.skip("reads the peak RSS from /proc")
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := the current RSS
    before = rss_kib("VmRSS")
    growth: list[int] = []
    yield growth
    growth.append((rss_kib("VmHWM") - before) * 1024)


@pytest.mark.parametrize("sized", [True, False], ids=["content-length-1GiB", "chunked-endless"])
def test_an_answer_beyond_64_kib_fails_the_attempt_without_filling_memory(
    harness: Harness, tmp_path: Path, sized: bool
) -> None:
    with (
        collecting_unexpected() as unexpected,
        serving(huge_answer(sized), tmp_path) as server,
        peak_rss_growth() as growth,
    ):
        sent = harness.send(server.url)
    assert not sent.delivered
    cause = f"status 200 but the answer is larger than {MAX_ANSWER // 1024} KiB (not read)"
    attempts = harness.attempts(sent.job.shot_id)
    assert attempts == [(n, sent.job.request_id, 200, cause) for n in (1, 2, 3)]
    assert server.connections == 3
    (peak,) = growth
    assert peak < 50 * 1024 * 1024, f"RSS grew by {peak / 2**20:.0f} MiB reading the answers"
    assert unexpected.errors == []
