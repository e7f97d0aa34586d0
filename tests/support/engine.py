"""The engine and the embedded webhook run for a test, and what they journaled, read back."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

from capture import events
from capture.engine import Engine
from capture.errors import install_excepthooks
from capture.events import EventSink
from capture.journal.writer import Journal, connect
from capture.paths import DataDir
from capture.receiver.webhook import WebhookServer
from capture.runtime import ThreadWorker
from capture.settings.model import CaptureSettings, Settings, StorageSettings
from capture.sources import SyntheticSource
from tests.support.events import EventLog


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


def synthetic_settings(storage: StorageSettings) -> Settings:
    """The test pattern every second, into `storage`."""
    return Settings(capture=CaptureSettings(source="synthetic", interval=1), storage=storage)


def start_synthetic(engine: Engine) -> None:
    source = SyntheticSource()
    source.open()
    engine.use_source(source, already_open=True)
    engine.start_webhook("127.0.0.1", 0)
