"""Raw HTTP on loopback: a server whose every answer goes wrong the chosen way (statuses, resets,
TLS trouble), and the client side of raw exchanges with the embedded webhook.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import json
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.loopback import LoopbackServer, reset


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
    from cryptography.hazmat.primitives import hashes
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
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*write_pem(folder / "cert.pem", folder / "key.pem", cert, key))
    return context


def write_pem(cert_file: Path, key_file: Path, cert: Any, key: Any) -> tuple[Path, Path]:
    """`cert` (a cryptography certificate) and its `key` written as PEM to the two files, as
    ssl loads a certificate chain: the two paths."""
    from cryptography.hazmat.primitives import serialization

    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


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
