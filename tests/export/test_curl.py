"""Copy as curl: the command run through a real bash against a loopback aiohttp server
reproduces the request byte for byte (body and headers); Authorization is redacted unless asked."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from capture.export.curl import REDACTED, curl_command, shell_quote
from capture.journal.records import Direction, Exchange, Headers
from tests.support.aioapp import serving_app

RUN_S = 20.0  # a bash + curl run's bound (loopback: it takes milliseconds)


@dataclass
class Seen:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[tuple[str, str, Headers, bytes]] = field(default_factory=list)


@pytest.fixture
def server() -> Iterator[tuple[int, Seen]]:
    seen = Seen()

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        with seen.lock:
            seen.requests.append(
                (request.method, request.raw_path, tuple(request.raw_headers), body)
            )
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=2**20)
    app.router.add_route("*", "/{tail:.*}", handle)
    with serving_app(app) as port:
        yield port, seen


def run_bash(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f"set -euo pipefail; {command}"],
        capture_output=True,
        text=True,
        timeout=RUN_S,
        check=False,
    )


def exchange(headers: Headers, body: bytes, *, url: str, method: str = "POST") -> Exchange:
    return Exchange(
        direction=Direction.SENT,
        at="2026-01-02T03:04:05.006Z",
        method=method,
        url=url,
        http_version="HTTP/1.1",
        request_headers=headers,
        request_body=body,
        request_size=len(body),
        status=500,
    )


HEADERS: Headers = (
    (b"Host", b"example.invalid"),
    (b"Content-Type", b"application/json; charset=utf-8"),
    (b"X-Quote", b'it\'s "quoted" $HOME `id` \\n'),
    (b"X-Latin", b"caf\xe9 \xff\xfe"),
    (b"user-agent", b"ShotHook/0.1"),
    (b"Connection", b"keep-alive"),
    (b"Content-Length", b"999"),
    (b"X-Empty", b""),
    (b"Authorization", b"Bearer s3cr3t"),
)
BODIES = [
    b'{"msg": "it\'s $HOME and `id`\\n", "x": "caf\xc3\xa9"}\n\xff\xfe trailing \\ !',
    b"line1\nline2\r\n\ttab $'quoted' \"dq\" %s %% \x7f",
    b"\x00binary\x00 with NULs \xff",
    b"@/etc/passwd",
    b"",
]


@pytest.mark.parametrize("body", BODIES, ids=["json", "controls", "nul", "at-sign", "empty"])
def test_the_command_replays_the_body_and_headers_byte_exact(
    server: tuple[int, Seen], body: bytes
) -> None:
    port, seen = server
    url = f"http://127.0.0.1:{port}/hook?a=1&b=[x]"
    command = curl_command(exchange(HEADERS, body, url=url), keep_auth=True)

    done = run_bash(command)

    assert done.returncode == 0, done.stderr
    assert len(seen.requests) == 1
    method, path, received, got = seen.requests[0]
    assert (method, path, got) == ("POST", "/hook?a=1&b=[x]", body)
    others = tuple((n, v) for n, v in received if n.lower() not in {b"host", b"content-length"})
    expected = tuple(
        (n, v) for n, v in HEADERS if n.lower() not in {b"host", b"content-length", b"connection"}
    )
    assert sorted(others) == sorted(expected)  # none of curl's own, each of ours as sent
    assert [n for n, _ in others] == [n for n, _ in expected]  # in the original's order
    assert dict(received)[b"Content-Length"] == str(len(body)).encode()


def test_authorization_is_redacted_unless_asked(server: tuple[int, Seen]) -> None:
    port, seen = server
    sent = exchange(HEADERS, b"{}", url=f"http://127.0.0.1:{port}/hook")

    command = curl_command(sent)

    assert "s3cr3t" not in command
    assert run_bash(command).returncode == 0
    assert (b"Authorization", REDACTED.encode()) in seen.requests[0][2]
    assert "s3cr3t" in curl_command(sent, keep_auth=True)


def test_a_received_exchange_goes_to_the_url_given_or_its_host(server: tuple[int, Seen]) -> None:
    port, seen = server
    host = f"127.0.0.1:{port}".encode()
    received = exchange(
        ((b"Host", host), (b"Content-Type", b"application/json")),
        b'{"a": 1}',
        url="/callback?token=1",
    )
    received = received._replace(direction=Direction.RECEIVED)

    assert run_bash(curl_command(received)).returncode == 0  # its Host header
    other = f"http://127.0.0.1:{port}/elsewhere?x=2"
    assert run_bash(curl_command(received, url=other)).returncode == 0

    assert [r[1] for r in seen.requests] == ["/callback?token=1", "/elsewhere?x=2"]
    assert all(r[3] == b'{"a": 1}' for r in seen.requests)


def test_a_get_without_body_sends_no_body(server: tuple[int, Seen]) -> None:
    port, seen = server
    command = curl_command(exchange((), b"", url=f"http://127.0.0.1:{port}/x", method="GET"))

    assert "--data-binary" not in command
    assert run_bash(command).returncode == 0
    method, _, headers, body = seen.requests[0]
    assert (method, body) == ("GET", b"")
    assert b"Content-Length" not in dict(headers)


def test_a_body_cut_by_the_journal_says_so() -> None:
    cut = exchange((), b"abc", url="http://127.0.0.1:1/")._replace(request_size=9)

    assert curl_command(cut).endswith("# body cut: the first 3 of 9 bytes")


def test_every_byte_but_nul_survives_quoting() -> None:
    word = bytes(b for b in range(256) if b) * 2
    done = subprocess.run(
        ["bash", "-c", f"printf %s {shell_quote(word)}"],
        capture_output=True,
        timeout=RUN_S,
        check=False,
    )
    assert done.stdout == word
    assert shell_quote(b"plain-word_1.2") == "plain-word_1.2"
    assert shell_quote(b"two words") == "'two words'"
