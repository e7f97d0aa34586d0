"""S3 servers that refuse: one answering a chosen S3 error, and moto with IAM auth enforced;
clients and environments for them.
"""

from __future__ import annotations

import http.server
import json
import os
import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from tests.support.servers import MotoServer, start_moto, stop_moto
from tests.support.waits import JOIN_S, POLL_S


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
    creds: dict[str, Any] = {}
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
    writer: Keys  # may only s3:PutObject on the bucket's objects (a write-only key)


ALLOW_S3 = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
)
SETUP_ACTIONS = 9  # the calls in start_auth_moto before auth starts: keep the two in step


def put_only(bucket: str) -> str:
    """The policy of the write-only key Agora recommends: PutObject on the bucket's objects."""
    statement = {
        "Effect": "Allow",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


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
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(SETUP_ACTIONS)}
    server = start_moto(env=env)
    setup: dict[str, Any] = {
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
    iam.create_user(UserName="writer")  # 7
    writer = iam.create_access_key(UserName="writer")["AccessKey"]  # 8
    iam.put_user_policy(UserName="writer", PolicyName="put", PolicyDocument=put_only(bucket))  # 9
    iam.close()
    s3.close()
    return AuthMoto(
        server,
        bucket,
        Keys(good["AccessKeyId"], good["SecretAccessKey"]),
        Keys(weak["AccessKeyId"], weak["SecretAccessKey"]),
        Keys(writer["AccessKeyId"], writer["SecretAccessKey"]),
    )


def clean_aws_env(keys: Keys | None = None) -> dict[str, str]:
    """Environment for a child process: these keys (or dummies), no files from this machine."""
    return {
        "AWS_ACCESS_KEY_ID": keys.access_key if keys else "testing",
        "AWS_SECRET_ACCESS_KEY": keys.secret_key if keys else "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
