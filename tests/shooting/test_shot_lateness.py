"""Each scheduled shot says how late after its slot it was taken (`late_ms`), so schedule
accuracy can be read from the events (the benchmarks use it)."""

from __future__ import annotations

import math
import threading
from pathlib import Path

from capture import events
from capture.engine import Engine
from capture.events import Event
from capture.paths import DataDir
from capture.settings.model import CaptureSettings, Settings, StorageKind, StorageSettings
from capture.sources.synthetic import SyntheticSource


def test_scheduled_shots_report_how_late_they_were(data_dir: DataDir, tmp_path: Path) -> None:
    shots: list[Event] = []
    lock = threading.Lock()

    def sink(event: Event) -> None:
        if event.name == events.SHOT_CAPTURED:
            with lock:
                shots.append(event)

    engine = Engine(data_dir, sink)
    try:
        source = SyntheticSource(160, 90)
        source.open()
        engine.use_source(source, already_open=True)
        assert engine.slot.wait_newer(-1, 10.0) is not None
        engine.start_webhook("127.0.0.1", 0)
        settings = Settings(
            capture=CaptureSettings(source="synthetic", interval=1, users=2),
            storage=StorageSettings(kind=StorageKind.LOCAL, directory=str(tmp_path / "store")),
        )
        session = engine.start_session(settings, count=2)
        assert session.progress.wait_for(lambda p: p.capture_done and p.settled, 30)
    finally:
        assert engine.close() == []
    assert sorted((e.fields["tick"], e.fields["uid"]) for e in shots) == [
        (0, 1001),
        (0, 1002),
        (1, 1001),
        (1, 1002),
    ]
    for event in shots:
        late = event.fields["late_ms"]
        assert isinstance(late, float) and math.isfinite(late)
    by_tick = {e.fields["tick"]: e.fields["late_ms"] for e in shots}
    assert all(e.fields["late_ms"] == by_tick[e.fields["tick"]] for e in shots)  # one per round
