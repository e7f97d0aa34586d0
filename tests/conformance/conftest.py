"""Webhooks written to fail one scenario each, on 127.0.0.1 in their own thread and loop, and
certificates for the TLS scenario (a test CA, a valid, a nearly expired and an expired one)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ssl
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from capture.spec.payload import PayloadError, parse_body
from tests.support.aioapp import serving_app
from tests.support.rawhttp import write_pem

Behaviour = Callable[["Hook", bytes], "web.Response | None"]


@dataclass
class Hook:
    """A webhook under test. `url` is the callback URL; `behaviour` may answer differently from
    the correct webhook (None: answer as the correct one does)."""

    url: str = ""
    behaviour: Behaviour | None = None
    bodies: list[bytes] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    recent: deque[float] = field(default_factory=deque)
    slow_s: float = 0.0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        self.bodies.append(raw)
        now = time.monotonic()
        self.recent.append(now)
        while self.recent and self.recent[0] < now - 2.0:
            self.recent.popleft()
        if self.slow_s:
            await asyncio.sleep(self.slow_s)  # the slow webhook under test, not a wait
        if self.behaviour is not None and (answer := self.behaviour(self, raw)) is not None:
            return answer
        return correct(self, raw)


def correct(hook: Hook, raw: bytes) -> web.Response:
    """What a good receiver does: parse, verify the checksum for its own URL, answer 200 JSON."""
    try:
        note = parse_body(raw)
    except PayloadError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    if not note.checksum_matches(hook.url):
        return web.json_response({"error": "checksum"}, status=401)
    return web.json_response({"ok": True})


@contextlib.contextmanager
def serving(hook: Hook, tls: ssl.SSLContext | None = None) -> Iterator[Hook]:
    """`hook` listening on 127.0.0.1 (a free port) until the block ends; its loop and thread
    are gone when it does."""
    app = web.Application()
    app.router.add_post("/cb", hook.handle)
    with serving_app(app, tls=tls, name="conformance-webhook") as port:
        scheme = "https" if tls else "http"
        host = "localhost" if tls else "127.0.0.1"
        hook.url = f"{scheme}://{host}:{port}/cb"
        yield hook


@pytest.fixture
def hook() -> Iterator[Hook]:
    with serving(Hook()) as running:
        yield running


# -- certificates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Certs:
    ca_file: Path
    folder: Path
    _ca_key: ec.EllipticCurvePrivateKey
    _ca: x509.Certificate

    def client(self) -> ssl.SSLContext:
        """A client context trusting the test CA only (as the default one trusts the system's)."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    def server(self, *, days_left: float, host: str = "localhost") -> ssl.SSLContext:
        """A server context whose certificate for `host` expires in `days_left` days (negative:
        expired that long ago)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        not_after = now + dt.timedelta(days=days_left)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(self._ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(min(now, not_after) - dt.timedelta(days=30))
            .not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .sign(self._ca_key, hashes.SHA256())
        )
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        name = f"{host}-{days_left:g}"
        pem = write_pem(self.folder / f"{name}.pem", self.folder / f"{name}.key", cert, key)
        context.load_cert_chain(*pem)
        return context


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    folder = tmp_path_factory.mktemp("certs")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ShotHook test CA")])
    now = dt.datetime.now(dt.UTC)
    ca = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=365))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return Certs(ca_file, folder, key, ca)
