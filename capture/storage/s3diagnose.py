"""Second looks at an S3 failure, where the error alone gives the wrong advice (seen on
SeaweedFS, rclone, s3rver and LocalStack):

- NoSuchBucket for a bucket that exists, because the server expects the other addressing
  style: the other style is tried once (HeadBucket), and the advice says which one works;
- virtual-hosted style whose `<bucket>.<host>` does not resolve while `<host>` does: DNS
  advice and path style, not "check the network";
- `http://` to a TLS endpoint (Go's servers answer 400 "Client sent an HTTP request to an
  HTTPS server", others reset): a TLS handshake with the endpoint tells, and the advice is
  `https://`, instead of retrying for ever;
- virtual style asked for with an IP-literal endpoint: botocore sends path style (a bucket
  cannot go in front of an IP address), and the label says what is really sent.

Each probe is one short connection, made only when its error comes.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Callable
from urllib.parse import urlsplit

from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

from capture.errors import StorageError
from capture.settings.model import AddressingStyle, StorageSettings

PROBE_TIMEOUT_S = 3.0


def endpoint_host(endpoint: str) -> tuple[str, int, str]:
    """(host, port, scheme) of an endpoint URL ('' host for AWS's own)."""
    parts = urlsplit(endpoint)
    scheme = parts.scheme or "https"
    return parts.hostname or "", parts.port or (443 if scheme == "https" else 80), scheme


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def style_sent(settings: StorageSettings, url: str) -> AddressingStyle:
    """The addressing style a request to `url` really used."""
    host = urlsplit(url).hostname or ""
    return (
        AddressingStyle.VIRTUAL
        if host.startswith(f"{settings.bucket.lower()}.")
        else AddressingStyle.PATH
    )


def ip_forces_path(settings: StorageSettings) -> bool:
    """Virtual style asked for, but the endpoint is an IP address: botocore sends path style."""
    host = endpoint_host(settings.endpoint)[0] if settings.endpoint else ""
    return settings.addressing_style is AddressingStyle.VIRTUAL and is_ip_literal(host)


def ip_forces_path_words(settings: StorageSettings) -> str:
    host = endpoint_host(settings.endpoint)[0]
    return (
        f"virtual-style addressing was chosen, but {host} is an IP address, so path style is "
        f"sent (the bucket cannot go in front of an IP address): requests go to "
        f"{settings.endpoint.rstrip('/')}/{settings.bucket}/..."
    )


def resolves(host: str) -> bool:
    try:
        socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    return True


def speaks_tls(host: str, port: int) -> bool:
    """Whether host:port completes a TLS handshake (the certificate is not checked: only
    whether the server speaks TLS at all)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S) as raw,
            context.wrap_socket(raw, server_hostname=host),
        ):
            return True
    except (OSError, ssl.SSLError):
        return False


_BROKEN = {ConnectionClosedError.__name__, EndpointConnectionError.__name__}


def tls_suspect(settings: StorageSettings, error: StorageError) -> bool:
    """An http:// endpoint that answered a bare 400 or broke the connection."""
    scheme = endpoint_host(settings.endpoint)[2] if settings.endpoint else "https"
    return scheme == "http" and (error.code in ("400", "BadRequest") or error.code in _BROKEN)


def plain_http_to_tls(settings: StorageSettings, error: StorageError) -> StorageError | None:
    """The suspect endpoint completes a TLS handshake: the scheme is wrong."""
    host, port, _ = endpoint_host(settings.endpoint)
    if not speaks_tls(host, port):
        return None
    https = settings.endpoint.replace("http://", "https://", 1)
    return StorageError(
        f"{settings.endpoint} is an HTTPS server: it does not answer plain HTTP ({error.code})",
        code="HttpToHttps",
        retryable=False,
        advice=f"Set the endpoint to {https} (https://, not http://).",
    )


def dns_suspect(settings: StorageSettings, exc: BaseException, url: str) -> bool:
    """A connection that could not be made, sent virtual-style."""
    if not isinstance(exc, EndpointConnectionError) or not url:
        return False
    return style_sent(settings, url) is AddressingStyle.VIRTUAL


def virtual_host_unresolved(settings: StorageSettings, url: str) -> StorageError | None:
    """`<bucket>.<host>` does not resolve while `<host>` does: DNS, not the network."""
    bucket_host = urlsplit(url).hostname or ""
    host = bucket_host.removeprefix(f"{settings.bucket.lower()}.")
    if resolves(bucket_host) or not resolves(host):
        return None
    return StorageError(
        f"{bucket_host} does not resolve: virtual-style addressing needs DNS for "
        f"<bucket>.<host> ({bucket_host}), and only {host} is known",
        code="VirtualHostUnresolved",
        retryable=False,
        advice="Set the addressing style to path (--addressing-style path), or add a DNS "
        f"entry (a wildcard *.{host}) for virtual-hosted buckets.",
    )


def other_style_works(
    settings: StorageSettings, sent: AddressingStyle, head: Callable[[AddressingStyle], bool]
) -> StorageError | None:
    """NoSuchBucket came with `sent` style: if the bucket answers to the other one (`head`
    says whether it does: 200, or 403 for a bucket these keys may not look at), say so."""
    other = AddressingStyle.PATH if sent is AddressingStyle.VIRTUAL else AddressingStyle.VIRTUAL
    if other is AddressingStyle.VIRTUAL and ip_forces_path(
        StorageSettings(addressing_style=other, endpoint=settings.endpoint)
    ):
        return None  # virtual style cannot be sent to an IP address
    if not head(other):
        return None
    flag = f"--addressing-style {other.value}"
    return StorageError(
        f"bucket {settings.bucket} was not found with {sent.value}-style addressing, but it "
        f"answers to {other.value}-style addressing",
        code="WrongAddressingStyle",
        retryable=False,
        advice=f"Set the addressing style to {other.value} ({flag}); the bucket exists.",
    )
