"""Shared fixtures: real parts wherever users have real parts.

- S3 is moto's server in its own process, over real HTTP on loopback.
- Every test must leave no thread behind (checked after each test).
- Qt runs on the offscreen platform.
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

from benchmarks.servers import (  # shared with the benchmarks
    MOTO_START_TIMEOUT_S,
    MotoServer,
    free_port,
    start_moto,
    stop_moto,
    wait_for_port,
)
from capture.config import StorageKind, StorageSettings
from capture.engine import Engine
from capture.events import Event
from capture.paths import DataDir

__all__ = [
    "MOTO_START_TIMEOUT_S",
    "MotoServer",
    "free_port",
    "start_moto",
    "stop_moto",
    "wait_for_port",
]

THREAD_EXIT_GRACE_S = 5.0
EVENT_WAIT_S = 15.0


class EventLog:
    """An EventSink that keeps every event; tests wait on it for what they expect (no sleeps)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def named(self, name: str) -> list[dict[str, object]]:
        with self._cond:
            return [e.fields for e in self.events if e.name == name]

    def wait_for(self, name: str, count: int = 1, timeout: float = EVENT_WAIT_S) -> list[dict]:
        """The first `count` events called `name`, waiting for them; fails the test if late."""
        with self._cond:
            arrived = self._cond.wait_for(lambda: len(self.named(name)) >= count, timeout)
        assert arrived, f"waited {timeout:g} s for {count} {name!r}; got {self.names()}"
        return self.named(name)[:count]

    def names(self) -> list[str]:
        with self._cond:
            return [e.name for e in self.events]


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
    import boto3

    name = f"shots-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=moto.endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    client.close()
    return StorageSettings(
        kind=StorageKind.S3, endpoint=moto.endpoint, region="us-east-1", bucket=name
    )


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
