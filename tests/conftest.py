"""Shared fixtures: real parts wherever users have real parts.

- S3 is moto's server in its own process, over real HTTP on loopback.
- Every test must leave no thread behind (checked after each test).
- Qt runs on the offscreen platform (tests/gui/conftest.py has the window's fixtures).
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from capture.engine import Engine
from capture.paths import DataDir
from capture.settings.model import StorageKind, StorageSettings
from tests.support.events import EventLog
from tests.support.loopback import SilentServer, TcpProxy, join_abandoned_calls
from tests.support.s3 import s3_client
from tests.support.servers import MotoServer, start_moto, stop_moto
from tests.support.waits import THREAD_EXIT_GRACE_S, WAIT_S


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    server = start_moto()
    yield server
    stop_moto(server)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials for moto through the standard AWS chain, and nothing from the real machine."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)


@pytest.fixture
def bucket(moto: MotoServer, aws_env: None) -> StorageSettings:
    """A fresh bucket on the moto server; storage settings pointing at it."""
    name = f"shots-{uuid.uuid4().hex[:12]}"
    client = s3_client(moto.endpoint)
    client.create_bucket(Bucket=name)
    client.close()
    return StorageSettings(
        kind=StorageKind.S3, endpoint=moto.endpoint, region="us-east-1", bucket=name
    )


@pytest.fixture
def versioned(bucket: StorageSettings) -> StorageSettings:
    """The test's bucket with versioning on: every PUT of a key leaves a version."""
    client = s3_client(bucket.endpoint)
    client.put_bucket_versioning(
        Bucket=bucket.bucket, VersioningConfiguration={"Status": "Enabled"}
    )
    client.close()
    return bucket


@pytest.fixture
def proxy(moto: MotoServer) -> Iterator[TcpProxy]:
    """A TCP proxy in front of moto, to take it off the network and back."""
    with TcpProxy(moto.port) as running:
        yield running


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    """A SilentServer; when the test ends it stops (resetting what it holds open), and the
    helper threads still waiting on it (abandoned uploads) must then end."""
    with SilentServer() as server:
        yield server
    assert join_abandoned_calls(WAIT_S) == []


@pytest.fixture
def data_dir(tmp_path: Path) -> DataDir:
    return DataDir.resolve(tmp_path / "data").create()


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves a thread of its own running (after a short grace to finish)."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + THREAD_EXIT_GRACE_S
    leaked = [
        t
        for t in threading.enumerate()
        if t not in before and t.is_alive() and not isinstance(t, threading._DummyThread)
    ]
    for thread in leaked:
        thread.join(max(0.0, deadline - time.monotonic()))
    still = [t.name for t in leaked if t.is_alive() and not _is_pool_thread(t)]
    assert not still, f"test left threads running: {still}"


# A _DummyThread stands for a thread Python did not start (a QThread that logged, say); on
# Python 3.11 it never reports itself dead. QThreads are checked by tests/gui/conftest.py.


def _is_pool_thread(thread: threading.Thread) -> bool:
    # asyncio's default executor (getaddrinfo) parks idle workers; they are not ours to stop.
    return thread.name.startswith("asyncio_") and thread.daemon


@pytest.fixture
def event_log() -> EventLog:
    return EventLog()


@pytest.fixture
def engine(data_dir: DataDir, event_log: EventLog) -> Iterator[Engine]:
    """An engine on plain threads reporting to `event_log`; closed (nothing stuck) afterwards."""
    engine = Engine(data_dir, event_log)
    yield engine
    assert engine.close() == [], "engine loops did not stop"
