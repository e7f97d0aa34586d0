"""Real, controllable parts for the fault tests: a TCP proxy that can take a server off the
network and back, an MJPEG-over-HTTP camera that can be stopped, restarted and frozen, a raw
loopback HTTP server that misbehaves on purpose, an S3-style XML error server, a moto server
that enforces IAM auth, and an event recorder to wait on.

Every server here runs on threads it joins when stopped, binds 127.0.0.1 on an ephemeral port,
and never sleeps to synchronise (loops poll their stop flag with a short select timeout).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import json
import os
import selectors
import socket
import sqlite3
import ssl
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import conftest
import cv2
import numpy as np
import pytest
from conftest import MOTO_START_TIMEOUT_S, MotoServer, free_port, stop_moto, wait_for_port

from capture import events
from capture.config import StorageSettings
from capture.engine import Engine
from capture.errors import install_excepthooks
from capture.events import EventSink
from capture.journal import Journal, NewShot, connect
from capture.naming import new_request_id, new_sid, object_key, utc_digits
from capture.notifier import Notifier, NotifyJob
from capture.paths import DataDir
from capture.payload import Notification
from capture.runtime import ThreadWorker
from capture.webhook import WebhookServer

POLL_S = 0.05
JOIN_S = 5.0
WAIT_S = 30.0


def reset(sock: socket.socket) -> None:
    """Close with an RST (SO_LINGER 0), as a crashed or unplugged peer would."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


# -- events ------------------------------------------------------------------------------------


class EventLog(conftest.EventLog):
    """conftest's EventLog, plus marks: wait for events that came after a point in the test."""

    def mark(self) -> int:
        """A position in the log; `since(mark, name)` gives what came after it."""
        with self._cond:
            return len(self.events)

    def since(self, mark: int, name: str) -> list[dict[str, Any]]:
        with self._cond:
            return [e.fields for e in self.events[mark:] if e.name == name]

    def wait_until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        with self._cond:
            if self._cond.wait_for(predicate, timeout):
                return
            seen = [f"{e.name} {e.fields}" for e in self.events[-25:]]
        raise AssertionError(f"timed out waiting for {what}; last events:\n" + "\n".join(seen))

    def wait_count(self, name: str, n: int, timeout: float, after: int = 0) -> list[dict[str, Any]]:
        self.wait_until(lambda: len(self.since(after, name)) >= n, timeout, f"{n} x {name}")
        return self.since(after, name)


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

    def __enter__(self) -> LoopbackServer:
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
                    sock: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)


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


@pytest.fixture(name="silent")
def silent_fixture() -> Iterator[SilentServer]:
    """A SilentServer; when the test ends it stops (resetting what it holds open), and the
    helper threads still waiting on it (abandoned uploads) must then end."""
    with SilentServer() as server:
        yield server
    assert join_abandoned_calls(WAIT_S) == []


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
                    sock: socket.socket = key.fileobj  # type: ignore[assignment]
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


# -- an MJPEG camera over HTTP -------------------------------------------------------------------


def jpeg_frame(index: int, size: tuple[int, int] = (160, 120)) -> bytes:
    image = np.zeros((size[1], size[0], 3), np.uint8)
    image[:, :, 1] = (index * 7) % 255
    cv2.putText(image, str(index), (10, 60), cv2.FONT_HERSHEY_SIMPLEX, 1, (255, 255, 255), 2)
    return bytes(cv2.imencode(".jpg", image)[1].tobytes())


class MjpegServer(LoopbackServer):
    """multipart/x-mixed-replace JPEG frames, as IP cameras serve them, at about 20 fps.
    `frozen` set: nothing more is sent (open connections stay open), as a hung camera does."""

    BOUNDARY = b"frame"

    def __init__(self) -> None:
        super().__init__()
        self.frozen = threading.Event()
        self.frames_sent = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/video.mjpg"

    def handle(self, conn: socket.socket) -> None:
        read_request(conn)
        if self.frozen.is_set():
            self.stopping.wait()
            return
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nCache-Control: no-cache\r\n"
            b"Content-Type: multipart/x-mixed-replace; boundary=" + self.BOUNDARY + b"\r\n\r\n"
        )
        index = 0
        while not self.stopping.wait(POLL_S):
            if self.frozen.is_set():
                continue
            data = jpeg_frame(index)
            conn.sendall(
                b"--" + self.BOUNDARY + b"\r\nContent-Type: image/jpeg\r\n"
                b"Content-Length: %d\r\n\r\n" % len(data) + data + b"\r\n"
            )
            index += 1
            self.frames_sent += 1


# -- a raw HTTP server that misbehaves on purpose ----------------------------------------------


def read_request(conn: socket.socket) -> tuple[bytes, bytes]:
    """Read one HTTP request (head, body) from a blocking socket; body by Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data, b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head, body


def http_response(status: int, body: bytes, content_type: str = "application/json") -> bytes:
    return (
        f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + body


@dataclass
class Behaviour:
    """What a FaultyServer does with each connection: `respond(server, conn)`."""

    name: str
    respond: Callable[[FaultyServer, socket.socket], None]
    tls: bool = False  # the server speaks TLS
    scheme: str = "http"  # the URL the sender is given


class FaultyServer(LoopbackServer):
    """A loopback HTTP(S) server whose every answer goes wrong the same chosen way. It keeps the
    bodies it received (so a test can check that retries carry the same requestId)."""

    def __init__(self, behaviour: Behaviour, tls_context: ssl.SSLContext | None = None) -> None:
        super().__init__()
        self.behaviour = behaviour
        self.bodies: list[bytes] = []
        self._tls = tls_context

    @property
    def url(self) -> str:
        return f"{self.behaviour.scheme}://127.0.0.1:{self.port}/callback"

    def handle(self, conn: socket.socket) -> None:
        if not self.behaviour.tls:
            self.behaviour.respond(self, conn)
            return
        assert self._tls is not None
        wrapped = self.track(self._tls.wrap_socket(conn, server_side=True))
        try:
            self.behaviour.respond(self, wrapped)
        finally:
            if not self.stopping.is_set():
                self.forget(wrapped)
                wrapped.close()

    def receive(self, conn: socket.socket) -> bytes:
        _head, body = read_request(conn)
        with self._lock:
            self.bodies.append(body)
        return body


def answer(status: int, body: bytes, content_type: str = "application/json") -> Behaviour:
    def respond(server: FaultyServer, conn: socket.socket) -> None:
        server.receive(conn)
        conn.sendall(http_response(status, body, content_type))

    return Behaviour(f"status {status}", respond)


def reset_mid_response() -> Behaviour:
    def respond(server: FaultyServer, conn: socket.socket) -> None:
        server.receive(conn)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n"
            b'{"ok": tr'
        )
        reset(conn)

    return Behaviour("reset mid-response", respond)


def tls_untrusted() -> Behaviour:
    """TLS with a self-signed certificate the client does not trust: the handshake fails."""

    def respond(server: FaultyServer, conn: socket.socket) -> None:
        server.receive(conn)  # never reached when the client refuses the certificate
        conn.sendall(http_response(200, b"{}"))

    return Behaviour("TLS, untrusted certificate", respond, tls=True, scheme="https")


def plain_http_to_tls_client() -> Behaviour:
    """An https:// URL pointing at a plain-HTTP server: the client's handshake gets garbage."""

    def respond(server: FaultyServer, conn: socket.socket) -> None:
        if server.wait_readable(conn):
            conn.recv(65536)
            conn.sendall(http_response(400, b"plain HTTP here"))

    return Behaviour("plain HTTP behind an https URL", respond, scheme="https")


def self_signed_context(folder: Path) -> ssl.SSLContext:
    """A server-side TLS context with a fresh self-signed certificate for 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


# -- an S3-style error server --------------------------------------------------------------------


def s3_error(code: str, message: str, **extra: str) -> bytes:
    fields = "".join(f"<{k}>{v}</{k}>" for k, v in extra.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Error><Code>{code}</Code><Message>{message}</Message>{fields}"
        "<RequestId>4442587FB7D0A2F9</RequestId></Error>"
    ).encode()


@dataclass
class S3Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class S3ErrorServer:
    """Answers every S3 request with one chosen error, as a real S3 service words it."""

    def __init__(self, reply: S3Answer) -> None:
        self.reply = reply
        self.requests: list[tuple[str, str]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                outer.requests.append((self.command, self.path))
                reply = outer.reply
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    if name != "Date":  # send_response sent it (see date_time_string)
                        self.send_header(name, value)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(reply.body)))
                self.send_header("Connection", "close")  # no idle keep-alive to wait out
                self.close_connection = True
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(reply.body)

            do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = _any

            def date_time_string(self, timestamp: float | None = None) -> str:
                return outer.reply.headers.get("Date") or super().date_time_string(timestamp)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(POLL_S,), name="s3-errors"
        )

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> S3ErrorServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(JOIN_S)


# -- S3 through moto, and a proxy in front of it -------------------------------------------------


def s3_client(endpoint: str, keys: Keys | None = None) -> Any:
    creds = {}
    if keys is not None:
        creds = {"aws_access_key_id": keys.access_key, "aws_secret_access_key": keys.secret_key}
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **creds)


def versions_per_key(endpoint: str, bucket: str, keys: Keys | None = None) -> dict[str, int]:
    client = s3_client(endpoint, keys)
    try:
        listing = client.list_object_versions(Bucket=bucket)
    finally:
        client.close()
    counts: dict[str, int] = {}
    for version in listing.get("Versions", []):
        counts[version["Key"]] = counts.get(version["Key"], 0) + 1
    return counts


@pytest.fixture(name="versioned")
def versioned_fixture(bucket: StorageSettings) -> StorageSettings:
    """The test's bucket with versioning on: every PUT of a key leaves a version."""
    client = s3_client(bucket.endpoint)
    client.put_bucket_versioning(
        Bucket=bucket.bucket, VersioningConfiguration={"Status": "Enabled"}
    )
    client.close()
    return bucket


@pytest.fixture(name="proxy")
def proxy_fixture(moto: MotoServer) -> Iterator[TcpProxy]:
    with TcpProxy(moto.port) as running:
        yield running


# -- moto with IAM auth enforced --------------------------------------------------------------


@dataclass
class Keys:
    access_key: str
    secret_key: str


@dataclass
class AuthMoto:
    server: MotoServer
    bucket: str
    good: Keys  # may do anything in S3
    powerless: Keys  # a real user with no policy: AccessDenied


ALLOW_S3 = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
)
SETUP_ACTIONS = 6  # the calls in start_auth_moto before auth starts: keep the two in step


_SHARED: dict[str, AuthMoto] = {}


def shared_auth_moto(request: pytest.FixtureRequest) -> AuthMoto:
    """One auth-enforcing moto for the whole run, however many modules ask for it (a session
    fixture imported into two modules would start two); stopped when the session ends."""
    if "moto" not in _SHARED:
        _SHARED["moto"] = start_auth_moto()
        request.session.config.add_cleanup(lambda: stop_moto(_SHARED.pop("moto").server))
    return _SHARED["moto"]


def start_auth_moto(bucket: str = "authshots") -> AuthMoto:
    """A moto server that checks signatures and IAM policies after its first SETUP_ACTIONS
    requests (moto's INITIAL_NO_AUTH_ACTION_COUNT), with two users and a bucket."""
    port = free_port()
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(SETUP_ACTIONS)}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    if not wait_for_port(port, MOTO_START_TIMEOUT_S):
        process.kill()
        raise RuntimeError(f"moto server did not start on port {port}")
    server = MotoServer(f"http://127.0.0.1:{port}", port, process)
    setup = {
        "endpoint_url": server.endpoint,
        "region_name": "us-east-1",
        "aws_access_key_id": "setup",
        "aws_secret_access_key": "setup",
    }
    iam = boto3.client("iam", **setup)
    iam.create_user(UserName="uploader")  # 1
    good = iam.create_access_key(UserName="uploader")["AccessKey"]  # 2
    iam.put_user_policy(UserName="uploader", PolicyName="s3", PolicyDocument=ALLOW_S3)  # 3
    iam.create_user(UserName="powerless")  # 4
    weak = iam.create_access_key(UserName="powerless")["AccessKey"]  # 5
    s3 = boto3.client("s3", **setup)
    s3.create_bucket(Bucket=bucket)  # 6
    iam.close()
    s3.close()
    return AuthMoto(
        server,
        bucket,
        Keys(good["AccessKeyId"], good["SecretAccessKey"]),
        Keys(weak["AccessKeyId"], weak["SecretAccessKey"]),
    )


# -- the real sender, on its own ----------------------------------------------------------------


@dataclass
class Sent:
    job: NotifyJob
    delivered: bool


class Harness:
    """A real Notifier on its own thread, journaling into a real SQLite journal."""

    def __init__(self, data_dir: DataDir) -> None:
        self.data_dir = data_dir
        self.journal = Journal(data_dir.journal)
        self.log = EventLog()
        self._done: dict[int, bool] = {}
        self._cond = threading.Condition()
        self.notifier = Notifier(self.journal, self.log, self._finished)
        self.session_id = self.journal.start_session(
            source="test", storage="none", callback_url="", settings={}
        )

    def _finished(self, job: NotifyJob, delivered: bool) -> None:
        with self._cond:
            self._done[job.shot_id] = delivered
            self._cond.notify_all()

    def send(self, url: str, checksum_url: str | None = None) -> Sent:
        """Notify `url` about a new shot; wait until the delivery is over (all attempts).
        `checksum_url` computes the checksum for another address (so it will not verify)."""
        job = self.submit(url, checksum_url)
        with self._cond:
            assert self._cond.wait_for(lambda: job.shot_id in self._done, WAIT_S)
            return Sent(job, self._done[job.shot_id])

    def submit(self, url: str, checksum_url: str | None = None) -> NotifyJob:
        """Notify `url` about a new shot, journaled as the session does; do not wait."""
        sid, now = new_sid(), datetime.now(UTC)
        key = object_key("", sid, "faults", 7, now)
        shot_id = self.journal.add_shot(
            NewShot(self.session_id, 0, sid, 7, "faults", key, utc_digits(now), 200, "x")
        )
        note = Notification(new_request_id(sid, now), "faults", 7, key, utc_digits(now))
        body = note.encode(checksum_url or url)
        self.journal.notification_created(shot_id, note.request_id, body.decode(), url)
        job = NotifyJob(shot_id, note.request_id, key, 200, url, body)
        self.notifier.submit(job)
        return job

    def attempts(self, shot_id: int) -> list[tuple[int, str, int | None, str]]:
        rows = query(
            self.data_dir,
            "SELECT attempt, request_id, status, error FROM attempts WHERE shot_id = ?"
            " ORDER BY attempt",
            shot_id,
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


@contextlib.contextmanager
def notifier_harness(data_dir: DataDir) -> Iterator[Harness]:
    made = Harness(data_dir)
    worker = ThreadWorker("notify", made.notifier)
    worker.start()
    try:
        yield made
    finally:
        worker.request_stop()
        assert worker.join(10.0)
        made.journal.close()


# -- subprocess helpers --------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


class LineReader:
    """Reads a subprocess's stream on a thread, so a test can wait for a line with a timeout."""

    def __init__(self, stream: Any) -> None:
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream,), name="line-reader")
        self._thread.start()

    def _read(self, stream: Any) -> None:
        for line in stream:
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self.lines.append("")  # EOF marker
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[list[str]], bool], timeout: float, what: str) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(self.lines), timeout):
                tail = "".join(self.lines[-20:])
                raise AssertionError(f"timed out waiting for {what}; output so far:\n{tail}")

    def join(self) -> str:
        self._thread.join(JOIN_S)
        return "".join(self.lines)


def json_lines(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines if line.startswith("{")]


@contextlib.contextmanager
def headless_process(args: list[str], env: dict[str, str] | None = None) -> Iterator[Any]:
    """`main.py --headless ARGS` as a subprocess with stdout/stderr readers; killed if the test
    leaves it running."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--headless", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    process.out = LineReader(process.stdout)  # type: ignore[attr-defined]
    process.err = LineReader(process.stderr)  # type: ignore[attr-defined]
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(JOIN_S)
        process.out.join()  # type: ignore[attr-defined]
        process.err.join()  # type: ignore[attr-defined]


def clean_aws_env(keys: Keys | None = None) -> dict[str, str]:
    """Environment for a child process: these keys (or dummies), no files from this machine."""
    return {
        "AWS_ACCESS_KEY_ID": keys.access_key if keys else "testing",
        "AWS_SECRET_ACCESS_KEY": keys.secret_key if keys else "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


@contextlib.contextmanager
def running_engine(data_dir: DataDir, sink: EventSink, **kwargs: Any) -> Iterator[Engine]:
    """An Engine on plain threads, closed (and checked to have stopped every loop) at the end."""
    engine = Engine(data_dir, sink, **kwargs)
    try:
        yield engine
    finally:
        assert engine.close(10.0) == []


def ticks(log: EventLog) -> list[int]:
    """Every tick the session accounted for, as a shot or as a 206, sorted."""
    shots = {f["tick"] for f in log.named(events.SHOT_CAPTURED)}
    missed = {f["tick"] for f in log.named(events.TICK_MISSED)}
    return sorted(shots | missed)


def query(data_dir: DataDir, sql: str, *args: object) -> list[sqlite3.Row]:
    """Read the journal on its own read-only connection (as the window's timeline does)."""
    conn = connect(data_dir.journal, readonly=True)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


# -- the embedded webhook, on its own --------------------------------------------------------------


@contextlib.contextmanager
def running_webhook(journal: Journal, sink: EventSink, **kwargs: Any) -> Iterator[WebhookServer]:
    """The embedded webhook on a plain thread and an ephemeral port, stopped at the end."""
    server = WebhookServer(journal, sink, port=0, **kwargs)
    worker = ThreadWorker("webhook", server)
    worker.start()
    assert server.ready.wait(10.0) and server.port, server.error
    try:
        yield server
    finally:
        worker.request_stop()
        assert worker.join(10.0)


def exchange(port: int, request: bytes, timeout: float = 10.0) -> bytes:
    """Send raw bytes, read the answer until the server closes (a reset ends it too)."""
    chunks = []
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def post(path: str, body: bytes, *headers: str, method: str = "POST") -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *headers,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def status_of(response: bytes) -> int:
    head = response.split(b"\r\n", 1)[0].split()
    assert len(head) >= 2 and head[0].startswith(b"HTTP/1."), response[:200]
    return int(head[1])


def json_body(response: bytes) -> dict[str, Any]:
    return dict(json.loads(response.partition(b"\r\n\r\n")[2]))


class Unexpected:
    """Collects what reaches the crash reporter (install_excepthooks), for a test to check."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, BaseException]] = []
        self._lock = threading.Lock()

    def __call__(self, where: str, exc: BaseException) -> None:
        with self._lock:
            self.errors.append((where, exc))


@contextlib.contextmanager
def collecting_unexpected() -> Iterator[Unexpected]:
    collected = Unexpected()
    restore = install_excepthooks(collected)
    try:
        yield collected
    finally:
        restore()
