"""The load generator's own HTTP/1.1 client, against a loopback server that answers each
request with scripted bytes: every way HTTP/1.1 ends an answer (Content-Length, chunked in
pieces, the server's close), interim 1xx answers, bodiless statuses, keep-alive and its end,
and the malformed or cut answers a broken webhook sends, each said in words."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator

import pytest

from capture.load.wire import Answer, AnswerError, AnswerReader, Pool, Target, render_post
from capture.spec.delivery import MAX_ANSWER
from tests.support.loopback import LoopbackServer
from tests.support.rawhttp import read_request

Script = Callable[[int], list[bytes]]  # the n-th request's answer, as the pieces it is sent in


class Scripted(LoopbackServer):
    """Answers the n-th request on a connection with `script(n)`, piece by piece; closes
    after an answer when the script says `close`."""

    def __init__(self, script: Script, close_after: bool = False) -> None:
        super().__init__()
        self.script = script
        self.close_after = close_after
        self.requests: list[tuple[bytes, bytes]] = []

    def handle(self, conn: socket.socket) -> None:
        while not self.stopping.is_set():
            head, body = read_request(conn)
            if not head:
                return
            self.requests.append((head, body))
            for piece in self.script(len(self.requests)):
                conn.sendall(piece)
            if self.close_after:
                return


@pytest.fixture
def serve() -> Iterator[Callable[..., Scripted]]:
    servers: list[Scripted] = []

    def start(script: Script, close_after: bool = False) -> Scripted:
        server = Scripted(script, close_after)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def post(server: Scripted, n: int = 1, size: int = 2) -> list[Answer | BaseException]:
    async def main() -> list[Answer | BaseException]:
        target = Target.parse(f"http://127.0.0.1:{server.port}/cb?x=1")
        pool = Pool(target, size, None)
        request = render_post(target, b'{"a": 1}', "application/json")
        try:
            return list(
                await asyncio.gather(
                    *(pool.post(request) for _ in range(n)), return_exceptions=True
                )
            )
        finally:
            pool.close()

    return asyncio.run(asyncio.wait_for(main(), 30))


def fixed(*pieces: bytes) -> Script:
    return lambda _n: list(pieces)


def test_the_request_goes_out_as_rendered(serve: Callable[..., Scripted]) -> None:
    server = serve(fixed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"))
    [answer] = post(server)
    assert answer == Answer(200, b"{}", True)
    head, body = server.requests[0]
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /cb?x=1 HTTP/1.1"
    assert f"Host: 127.0.0.1:{server.port}".encode() in lines
    assert b"Content-Length: 8" in lines and body == b'{"a": 1}'


def test_keep_alive_connections_are_reused(serve: Callable[..., Scripted]) -> None:
    server = serve(fixed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"))
    answers = post(server, n=20, size=2)
    assert all(a == Answer(200, b"{}", True) for a in answers), answers
    assert len(server.requests) == 20 and server.connections <= 2


def test_connection_close_retires_the_connection(serve: Callable[..., Scripted]) -> None:
    server = serve(
        fixed(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"),
        close_after=True,
    )
    answers = post(server, n=6, size=1)
    assert all(a == Answer(200, b"{}", True) for a in answers), answers
    assert server.connections == 6


@pytest.mark.parametrize(
    ("pieces", "answer"),
    [
        ([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
          b"4\r\n{\"a\"\r\n", b"5;ext=1\r\n: 1}\n\r\n", b"0\r\nX-Trailer: y\r\n\r\n"],
         Answer(200, b'{"a": 1}\n', True)),
        ([b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n",
          b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}"], Answer(201, b"{}", True)),
        ([b"HTTP/1.1 204 No Content\r\n\r\n"], Answer(204, b"", True)),
        ([b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/\r\nContent-Length: 0\r\n\r\n"],
         Answer(302, b"", True)),
        ([b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nO", b"K"], Answer(200, b"OK", True)),
    ],
    ids=["chunked-in-pieces", "interim-1xx", "204", "redirect-not-followed", "split-body"],
)  # fmt: skip
def test_every_way_an_answer_ends(
    serve: Callable[..., Scripted], pieces: list[bytes], answer: Answer
) -> None:
    [got] = post(serve(fixed(*pieces)))
    assert got == answer


def test_an_answer_read_to_the_servers_close(serve: Callable[..., Scripted]) -> None:
    server = serve(fixed(b"HTTP/1.0 200 OK\r\n\r\n", b'{"ok": ', b"true}"), close_after=True)
    assert post(server, n=3, size=1) == [Answer(200, b'{"ok": true}', True)] * 3


def test_a_huge_answer_is_kept_to_its_bound_and_said_incomplete(
    serve: Callable[..., Scripted],
) -> None:
    size = 3 * MAX_ANSWER
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode()
    [got] = post(serve(fixed(head, b"x" * size)))
    assert isinstance(got, Answer)
    assert (got.status, len(got.body), got.complete) == (200, MAX_ANSWER, False)


@pytest.mark.parametrize(
    ("pieces", "words"),
    [
        ([b"SSH-2.0-OpenSSH\r\n\r\n"], "not an HTTP/1.x status line"),
        ([b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}"], "in the middle"),
        ([b"HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\n"], "is not a number"),
        ([b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n"], "is negative"),
        ([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"], "not hexadecimal"),
        ([b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"], "without a colon"),
        ([b"HTTP/1.1 200 OK\r\nX: " + b"y" * (70 * 1024)], "head is longer than 64 KiB"),
        ([b""], "in the middle"),
    ],
    ids=["not-http", "cut-body", "bad-length", "negative-length", "bad-chunk", "no-colon",
         "endless-head", "closed-at-once"],
)  # fmt: skip
def test_a_broken_answer_is_an_error_in_words(
    serve: Callable[..., Scripted], pieces: list[bytes], words: str
) -> None:
    [got] = post(serve(fixed(*pieces), close_after=True))
    assert isinstance(got, AnswerError) and words in str(got), got


def test_a_refused_connection_is_an_os_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: connections are refused

        async def main() -> BaseException | None:
            target = Target.parse(f"http://127.0.0.1:{port}/")
            pool = Pool(target, 1, None)
            try:
                await pool.post(render_post(target, b"{}", "application/json"))
            except OSError as exc:
                return exc
            return None

        assert isinstance(asyncio.run(main()), ConnectionRefusedError)


def test_the_host_header_and_path_of_each_kind_of_url() -> None:
    assert Target.parse("https://hook.example/a/b?c=d").host_header == "hook.example"
    assert Target.parse("https://hook.example/a/b?c=d").path == "/a/b?c=d"
    assert Target.parse("http://127.0.0.1:8080").path == "/"
    assert Target.parse("http://[::1]:8787/cb").host_header == "[::1]:8787"
    assert Target.parse("http://example.org:80/").host_header == "example.org"


def test_the_reader_takes_an_answer_a_byte_at_a_time() -> None:
    reader = AnswerReader()
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    for i in range(len(data)):
        assert not reader.done
        reader.feed(data[i : i + 1])
    assert reader.done and (reader.status, bytes(reader.body)) == (200, b"{}")
