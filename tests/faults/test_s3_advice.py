"""Advice that holds on real S3 servers: each case where the error alone misleads, reproduced
against a real server (rclone serve s3, moto) or a loopback stand-in answering as the real
one does, and what ShotHook then says."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import botocore.auth
import botocore.compat
import pytest

from capture import events
from capture.errors import StorageError
from capture.settings.model import AddressingStyle, Secret, StorageKind, StorageSettings
from capture.storage.s3 import S3Storage
from tests.support.engine import running_engine, start_synthetic, synthetic_settings
from tests.support.events import EventLog
from tests.support.loopback import LoopbackServer, reset
from tests.support.rawhttp import self_signed_context
from tests.support.s3 import S3Answer, S3ErrorServer, s3_error
from tests.support.servers import MotoServer, RcloneServer, start_rclone, stop_rclone

WAIT_S = 30.0
JPEG = b"\xff\xd8\xff\xe0jpeg\xff\xd9"


def rclone_settings(server: RcloneServer, bucket: str, **changes: Any) -> StorageSettings:
    settings = StorageSettings(
        kind=StorageKind.S3,
        endpoint=server.endpoint,
        region="us-east-1",
        bucket=bucket,
        access_key=server.access_key,
        secret_key=Secret(server.secret_key),
    )
    return replace(settings, **changes)


def put_error(settings: StorageSettings) -> tuple[StorageError, list[str]]:
    """The error a put gets, and the URLs of every request the storage sent."""
    storage = S3Storage(settings)
    urls: list[str] = []
    storage._client.meta.events.register(
        "before-send.s3", lambda request, **_: urls.append(request.url)
    )
    try:
        with pytest.raises(StorageError) as caught:
            storage.put("qa/20240102/a.jpg", JPEG)
    finally:
        storage.close()
    return caught.value, urls


@pytest.fixture
def localhost_subdomains(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """`<name>.localhost` resolves to 127.0.0.1 while `resolving["on"]`, and not at all
    otherwise, whatever this machine's resolver does with such names."""
    resolving = {"on": True}
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".localhost"):
            if not resolving["on"]:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return resolving


@pytest.fixture
def rclone_path_only(tmp_path: Path) -> Iterator[RcloneServer]:
    """rclone serving path style only (its default), with one bucket."""
    (tmp_path / "root" / "shots").mkdir(parents=True)
    server = start_rclone(tmp_path / "root")
    yield server
    stop_rclone(server)


# -- addressing style -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("server_style", "sent", "works"),
    [
        pytest.param("path", AddressingStyle.VIRTUAL, "path", id="virtual-to-a-path-server"),
        pytest.param("virtual", AddressingStyle.PATH, "virtual", id="path-to-a-virtual-server"),
    ],
)
def test_no_such_bucket_from_the_wrong_addressing_style_says_which_style_works(
    tmp_path: Path,
    localhost_subdomains: dict[str, bool],
    server_style: str,
    sent: AddressingStyle,
    works: str,
) -> None:
    """rclone serving one style only reads the other as another bucket: a virtual-style PUT
    /qa/20240102/a.jpg to a path-style server names bucket `qa`, a path-style request to a
    virtual-style one names none. NoSuchBucket, although `shots` exists; the other style,
    tried once, finds it."""
    (tmp_path / "root" / "shots").mkdir(parents=True)
    server = start_rclone(tmp_path / "root", path_style=server_style == "path")
    try:
        settings = rclone_settings(
            server, "shots", endpoint=f"http://localhost:{server.port}", addressing_style=sent
        )
        error, urls = put_error(settings)
        storage = S3Storage(settings)
        try:
            steps = storage.check()
        finally:
            storage.close()
    finally:
        stop_rclone(server)
    bucket_in_host = urls[0].startswith(f"http://shots.localhost:{server.port}/")
    assert bucket_in_host is (sent is AddressingStyle.VIRTUAL)
    assert (error.code, error.retryable) == ("WrongAddressingStyle", False)
    assert f"bucket shots was not found with {sent.value}-style addressing" in error.message
    assert f"answers to {works}-style addressing" in error.message
    assert error.advice.startswith(
        f"Set the addressing style to {works} (--addressing-style {works})"
    )
    assert "Create the bucket" not in error.advice
    failed = steps[-1]
    assert not failed.ok and f"answers to {works}-style addressing" in failed.detail, steps


def test_a_bucket_missing_in_both_styles_is_still_missing(
    rclone_path_only: RcloneServer, localhost_subdomains: dict[str, bool]
) -> None:
    settings = rclone_settings(
        rclone_path_only, "nothere", endpoint=f"http://localhost:{rclone_path_only.port}"
    )
    error, _ = put_error(replace(settings, addressing_style=AddressingStyle.PATH))
    assert error.code == "NoSuchBucket"
    assert "Create the bucket" in error.advice


def test_virtual_style_whose_bucket_host_does_not_resolve_says_dns_and_path_style(
    moto: MotoServer, bucket: StorageSettings, localhost_subdomains: dict[str, bool]
) -> None:
    localhost_subdomains["on"] = False
    settings = replace(
        bucket, endpoint=f"http://localhost:{moto.port}", addressing_style=AddressingStyle.VIRTUAL
    )
    error, urls = put_error(settings)
    assert urls and all(f"//{bucket.bucket}.localhost:" in url for url in urls)
    assert (error.code, error.retryable) == ("VirtualHostUnresolved", False)
    assert f"{bucket.bucket}.localhost does not resolve" in error.message
    assert "virtual-style addressing needs DNS for <bucket>.<host>" in error.message
    assert "Set the addressing style to path" in error.advice
    assert "network" not in error.advice


def test_virtual_style_to_an_ip_address_says_path_style_is_sent(
    moto: MotoServer, bucket: StorageSettings
) -> None:
    settings = replace(bucket, addressing_style=AddressingStyle.VIRTUAL)
    assert settings.endpoint.startswith("http://127.0.0.1:")
    storage = S3Storage(settings)
    urls: list[str] = []
    storage._client.meta.events.register(
        "before-send.s3", lambda request, **_: urls.append(request.url)
    )
    try:
        storage.put("v/a.jpg", JPEG)
        steps = storage.check()
    finally:
        storage.close()
    assert urls[0] == f"{moto.endpoint}/{bucket.bucket}/v/a.jpg"  # botocore's own rule
    assert "virtual-style addressing chosen but path style sent" in storage.label
    head = steps[0]
    assert (head.name, head.ok, head.warning) == ("HeadBucket", True, True)
    assert "127.0.0.1 is an IP address, so path style is sent" in head.detail
    assert f"requests go to {moto.endpoint}/{bucket.bucket}/..." in head.detail
    assert "Set the addressing style to path" in head.advice
    assert all(step.ok for step in steps)


# -- http:// to an HTTPS server ---------------------------------------------------------------


def test_http_to_a_tls_server_answering_400_says_use_https(tmp_path: Path) -> None:
    """rclone with a certificate is Go's HTTPS server: plain HTTP gets 400 "Client sent an
    HTTP request to an HTTPS server"."""
    self_signed_context(tmp_path)  # writes cert.pem and key.pem
    (tmp_path / "root" / "shots").mkdir(parents=True)
    server = start_rclone(tmp_path / "root", tls=(tmp_path / "cert.pem", tmp_path / "key.pem"))
    try:
        http = server.endpoint.replace("https://", "http://")
        error, _ = put_error(rclone_settings(server, "shots", endpoint=http))
    finally:
        stop_rclone(server)
    assert (error.code, error.retryable) == ("HttpToHttps", False)
    assert f"{http} is an HTTPS server: it does not answer plain HTTP" in error.message
    assert error.advice == f"Set the endpoint to {server.endpoint} (https://, not http://)."


class TlsOnly(LoopbackServer):
    """Completes TLS handshakes; resets a connection that opens with anything else."""

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__()
        self.context = context

    def handle(self, conn: socket.socket) -> None:
        if not self.wait_readable(conn):
            return
        if conn.recv(1, socket.MSG_PEEK) != b"\x16":  # not a TLS record: plain HTTP
            reset(conn)
            return
        with self.context.wrap_socket(conn, server_side=True) as tls:
            tls.recv(1)  # the client closes once the handshake is done


def test_http_to_a_tls_server_that_resets_says_use_https_instead_of_retrying(
    tmp_path: Path, aws_env: None
) -> None:
    with TlsOnly(self_signed_context(tmp_path)) as server:
        endpoint = f"http://127.0.0.1:{server.port}"
        settings = StorageSettings(kind=StorageKind.S3, endpoint=endpoint, bucket="shots")
        error, urls = put_error(settings)
    assert len(urls) == 3  # botocore's own attempts, then the diagnosis
    assert (error.code, error.retryable) == ("HttpToHttps", False)
    assert "https://127.0.0.1:" in error.advice
    assert "cannot reach" not in error.message


def test_a_plain_http_server_that_resets_is_still_unreachable(aws_env: None) -> None:
    class Resets(LoopbackServer):
        def handle(self, conn: socket.socket) -> None:
            if self.wait_readable(conn):
                reset(conn)

    with Resets() as server:
        settings = StorageSettings(
            kind=StorageKind.S3, endpoint=f"http://127.0.0.1:{server.port}", bucket="shots"
        )
        error, _ = put_error(settings)
    assert error.retryable and error.code != "HttpToHttps"
    assert "cannot reach" in error.message


# -- the clock, the region ----------------------------------------------------------------------


def test_clock_skew_worded_as_access_denied_is_the_clock(aws_env: None) -> None:
    message = "The difference between the request time and the server's time is too large."
    reply = S3Answer(
        403,
        s3_error("AccessDenied", message),
        {"Date": "Thu, 25 Nov 2100 17:20:00 GMT"},  # the server's clock, far ahead of ours
    )
    with S3ErrorServer(reply) as server:
        settings = StorageSettings(kind=StorageKind.S3, endpoint=server.endpoint, bucket="shots")
        error, _ = put_error(settings)
    assert (error.code, error.retryable) == ("RequestTimeTooSkewed", False)
    assert error.message.startswith("this computer's clock is ")
    assert "behind the server's" in error.message
    assert "Set the system clock right" in error.advice
    assert "grant" not in error.advice


def test_clock_skew_on_rclone_which_says_access_denied_is_the_clock(
    rclone_path_only: RcloneServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rclone 1.75 refuses a request signed 20 minutes late with 400 AccessDenied, "The
    difference between the request time and the server's time exceeds the maximum allowed":
    the signing clock is set back here (botocore's own clock), the server's is the real one."""
    real = botocore.compat.get_current_datetime  # what botocore.auth signs with

    def late(*args: Any, **kwargs: Any) -> datetime:
        return real(*args, **kwargs) - timedelta(minutes=20)

    monkeypatch.setattr(botocore.auth, "get_current_datetime", late)
    error, _ = put_error(rclone_settings(rclone_path_only, "shots"))
    assert (error.code, error.retryable) == ("RequestTimeTooSkewed", False)
    assert error.message.startswith("this computer's clock is 20 min behind the server's")
    assert "AccessDenied" in error.message  # what the server said, kept in the message
    assert "Set the system clock right" in error.advice


def test_plain_access_denied_is_still_about_permissions(aws_env: None) -> None:
    with S3ErrorServer(S3Answer(403, s3_error("AccessDenied", "Access Denied"))) as server:
        settings = StorageSettings(kind=StorageKind.S3, endpoint=server.endpoint, bucket="shots")
        error, _ = put_error(settings)
    assert error.code == "AccessDenied" and "s3:PutObject" in error.advice


def test_a_region_other_than_the_buckets_is_a_warning_in_the_check(
    bucket: StorageSettings,
) -> None:
    storage = S3Storage(replace(bucket, region="eu-west-3"))
    try:
        steps = storage.check()
    finally:
        storage.close()
    head = steps[0]
    assert (head.ok, head.warning) == (True, True)
    assert f"bucket {bucket.bucket} is reachable, but it is in region us-east-1" in head.detail
    assert "not eu-west-3" in head.detail
    assert head.advice == "Set the region to us-east-1."
    assert [s.warning for s in steps[1:]] == [False, False, False]


def test_the_right_region_is_no_warning(bucket: StorageSettings) -> None:
    storage = S3Storage(bucket)
    try:
        steps = storage.check()
    finally:
        storage.close()
    assert not any(step.warning for step in steps)
    assert steps[0].detail.endswith("(region us-east-1)")


# -- paused uploads and 206 ---------------------------------------------------------------------


def test_paused_uploads_send_no_206_and_are_notified_200_once_stored(
    tmp_path: Path, aws_env: None
) -> None:
    """The decision: a shot held back by a pause is not 'not uploaded' yet; it is notified
    once, 200, when it gets through (206 is kept for a shot that never can be)."""
    from capture.paths import DataDir

    data_dir = DataDir.resolve(tmp_path / "data").create()
    missing = S3Answer(404, s3_error("NoSuchBucket", "The specified bucket does not exist"))
    log = EventLog()
    with S3ErrorServer(missing) as server, running_engine(data_dir, log) as engine:
        storage = StorageSettings(kind=StorageKind.S3, endpoint=server.endpoint, bucket="shots")
        start_synthetic(engine)
        session = engine.start_session(synthetic_settings(storage), count=2)
        log.wait_count(events.UPLOADS_PAUSED, 1, WAIT_S)
        assert session.progress.wait_for(lambda p: p.capture_done, WAIT_S)
        assert log.named(events.NOTIFY_ATTEMPT) == []
        assert log.named(events.CALLBACK_RECEIVED) == []

        server.reply = S3Answer(200, b"", {"ETag": '"0123456789abcdef"'})  # bucket made
        session.uploads.retry_now()
        assert session.drain(WAIT_S)
        engine.stop_session()
    received = log.named(events.CALLBACK_RECEIVED)
    assert sorted(r["code"] for r in received) == [200, 200]
