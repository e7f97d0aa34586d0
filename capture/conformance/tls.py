"""Scenario 12: the webhook's TLS, when its URL is https: the certificate valid for the host,
the protocol version, and the days left before the certificate expires."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from urllib.parse import urlsplit

from capture.conformance.grading import Grade, Verdict, failed, passed, warned

EXPIRY_WARN_DAYS = 14
OLD_PROTOCOLS = ("SSLv3", "TLSv1", "TLSv1.1")
CONNECT_S = 5.0


async def grade(url: str, context: ssl.SSLContext | None = None) -> Verdict:
    parts = urlsplit(url)
    if parts.scheme != "https":
        return Verdict(Grade.SKIP, "the URL is http://: no TLS to check")
    host = parts.hostname or ""
    port = parts.port or 443
    context = context or ssl.create_default_context()
    try:
        async with asyncio.timeout(CONNECT_S):
            _reader, writer = await asyncio.open_connection(
                host, port, ssl=context, server_hostname=host
            )
    except ssl.SSLCertVerificationError as exc:
        return failed(f"the certificate is not valid for {host}: {exc.verify_message}")
    except ssl.SSLError as exc:
        return failed(f"the TLS handshake with {host}:{port} failed: {exc.reason or exc}")
    except (OSError, TimeoutError) as exc:
        return failed(f"cannot connect to {host}:{port}: {exc or 'no answer within 5 s'}")
    try:
        return _judge(host, writer.get_extra_info("ssl_object"))
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()


def _judge(host: str, tls: ssl.SSLObject) -> Verdict:
    version = tls.version() or "unknown"
    cert = tls.getpeercert() or {}
    expires = ssl.cert_time_to_seconds(str(cert["notAfter"])) if "notAfter" in cert else 0.0
    days = (expires - time.time()) / 86400
    facts = {
        "protocol": version,
        "days_to_expiry": round(days, 1),
        "cipher": (tls.cipher() or ("",))[0],
    }
    said = f"{version}, certificate valid for {host}, expires in {days:.0f} days"
    if version in OLD_PROTOCOLS:
        return warned(f"{said}; {version} is outdated, offer TLS 1.2 or 1.3", **facts)
    if days < EXPIRY_WARN_DAYS:
        return warned(f"{said}: renew it (under {EXPIRY_WARN_DAYS} days left)", **facts)
    return passed(said, **facts)
