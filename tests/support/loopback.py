"""Loopback TCP servers the fault tests break things with: a thread-per-connection base, a TCP
proxy that takes a server off the network and back, one that holds answers back, and a server
that never answers.

Each binds 127.0.0.1 on an ephemeral port, runs on threads it joins when stopped, and never
sleeps to synchronise (loops poll their stop flag with a short select timeout).
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from typing import Self, cast

from tests.support.waits import JOIN_S, POLL_S


def reset(sock: socket.socket) -> None:
    """Close with an RST (SO_LINGER 0), as a crashed or unplugged peer would."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


# -- a thread-per-connection TCP server base ---------------------------------------------------


class LoopbackServer:
    """Accepts on 127.0.0.1; each connection is handled by `handle(conn)` on its own thread.
    `stop()` stops listening and resets open connections; `start()` listens again on the same
    port. Handlers should return soon after `self.stopping` is set."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.stopping = threading.Event()
        self.connections = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._socks: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._listener is not None

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        listener.settimeout(POLL_S)
        self.port = listener.getsockname()[1]
        self.stopping.clear()
        self._listener = listener
        self._spawn(self._accept_loop, listener)

    def stop(self) -> None:
        self.stopping.set()
        with self._lock:
            socks = list(self._socks)
        for sock in socks:  # wakes handlers blocked in recv; the peer sees nothing yet
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RD)
        with self._lock:
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(JOIN_S)
        with self._lock:
            socks, self._socks = self._socks, []
        for sock in socks:
            reset(sock)
        self._listener = None

    def handle(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def track(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._socks.append(sock)
        return sock

    def forget(self, sock: socket.socket) -> None:
        with self._lock:
            if sock in self._socks:
                self._socks.remove(sock)

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=f"{type(self).__name__}")
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept_loop(self, listener: socket.socket) -> None:
        try:
            while not self.stopping.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                conn.settimeout(None)
                with self._lock:
                    self.connections += 1
                self.track(conn)
                self._spawn(self._handle_safely, conn)
        finally:
            listener.close()

    def _handle_safely(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError, ssl.SSLError):
            self.handle(conn)
        if not self.stopping.is_set():  # done: a normal close (stop() resets the rest)
            self.forget(conn)
            conn.close()

    def wait_readable(self, sock: socket.socket) -> bool:
        """Wait until `sock` has data or the server stops; True if it has data."""
        with selectors.DefaultSelector() as sel:
            sel.register(sock, selectors.EVENT_READ)
            while not self.stopping.is_set():
                if sel.select(POLL_S):
                    return True
        return False


# -- a TCP proxy: take a server off the network and back ---------------------------------------


class TcpProxy(LoopbackServer):
    """Forwards 127.0.0.1:port to a target port. `down()` refuses new connections and resets
    those open, as a server that went away would; `up()` serves again on the same port, with the
    server behind it (and its state) untouched."""

    def __init__(self, target_port: int) -> None:
        super().__init__()
        self.target_port = target_port

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def down(self) -> None:
        self.stop()

    def up(self) -> None:
        self.start()

    def handle(self, conn: socket.socket) -> None:
        upstream = self.track(socket.create_connection(("127.0.0.1", self.target_port)))
        try:
            self._pump({conn: upstream, upstream: conn})
        finally:
            if not self.stopping.is_set():
                self.forget(upstream)
                upstream.close()

    def _pump(self, peers: dict[socket.socket, socket.socket]) -> None:
        with selectors.DefaultSelector() as sel:
            for sock in peers:
                sel.register(sock, selectors.EVENT_READ)
            while not self.stopping.is_set():
                for key, _ in sel.select(POLL_S):
                    ready = cast(socket.socket, key.fileobj)
                    data = ready.recv(65536)
                    if not data:
                        return
                    peers[ready].sendall(data)


# -- a server that never answers ---------------------------------------------------------------


class SilentServer(LoopbackServer):
    """Accepts every connection and reads each request's head, then never answers (until
    stopped), as a wedged S3 endpoint or webhook does: the client waits for its read timeout.
    `requests` keeps each request line; `wait_for_request` blocks until one has arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[str] = []
        self._arrived = threading.Condition()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def handle(self, conn: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head and self.wait_readable(conn):
            chunk = conn.recv(65536)
            if not chunk:
                return
            head += chunk
        if b"\r\n\r\n" in head:
            with self._arrived:
                self.requests.append(head.split(b"\r\n", 1)[0].decode("latin-1"))
                self._arrived.notify_all()
        self.stopping.wait()  # the body, if any, stays unread; no answer ever comes

    def has_request(self, method: str) -> bool:
        with self._arrived:
            return any(r.startswith(method + " ") for r in self.requests)

    def wait_for_request(self, method: str, timeout: float) -> str:
        """The first request line starting with `method`, waiting for it; fails if late."""
        with self._arrived:
            found = self._arrived.wait_for(
                lambda: [r for r in self.requests if r.startswith(method + " ")], timeout
            )
        assert found, f"no {method} request reached the silent server in {timeout:g} s"
        return found[0]


def join_abandoned_calls(timeout: float) -> list[str]:
    """Wait for helper threads still finishing abandoned calls (capture/helper.py names them
    after their loop, ending in "-helper"), when no session runs (a running uploader keeps
    its idle helper); return the names of any still running."""
    deadline = time.monotonic() + timeout
    helpers = [t for t in threading.enumerate() if t.name.endswith("-helper")]
    for thread in helpers:
        thread.join(max(0.0, deadline - time.monotonic()))
    return [t.name for t in helpers if t.is_alive()]


class HoldingProxy(TcpProxy):
    """A TcpProxy that passes requests on at once but holds every answer back until
    `release()`: the server has done the work (moto stored the object) while the client is
    still waiting. `holding` is set once an answer is held."""

    def __init__(self, target_port: int) -> None:
        super().__init__(target_port)
        self.holding = threading.Event()
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    def handle(self, conn: socket.socket) -> None:
        upstream = self.track(socket.create_connection(("127.0.0.1", self.target_port)))
        try:
            self._pump_holding(conn, upstream)
        finally:
            if not self.stopping.is_set():
                self.forget(upstream)
                upstream.close()

    def _pump_holding(self, client: socket.socket, upstream: socket.socket) -> None:
        held = b""
        with selectors.DefaultSelector() as sel:
            sel.register(client, selectors.EVENT_READ)
            sel.register(upstream, selectors.EVENT_READ)
            while not self.stopping.is_set():
                if held and self._released.is_set():
                    client.sendall(held)
                    held = b""
                for key, _ in sel.select(POLL_S):
                    sock = cast(socket.socket, key.fileobj)
                    data = sock.recv(65536)
                    if not data:
                        return
                    if sock is client:
                        upstream.sendall(data)
                    elif self._released.is_set():
                        client.sendall(held + data)
                        held = b""
                    else:
                        held += data
                        self.holding.set()
