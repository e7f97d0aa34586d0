"""Capture sessions through the Engine on plain threads: a real pattern source, the local
folder, the embedded webhook on a free port, the journal on disk."""

from __future__ import annotations

import json
import os
from typing import Any

import cv2
import numpy as np

from capture import events
from capture.engine import Engine
from capture.journal.writer import connect
from capture.paths import DataDir
from capture.settings.model import CaptureSettings, Settings
from capture.shooting.encoder import THUMB_WIDTH
from capture.shooting.session import Session
from capture.sources import CameraSource, SyntheticSource
from capture.spec.naming import parse_object_key
from tests.support.events import EventLog

DRAIN_S = 15.0


def settings(**capture: Any) -> Settings:
    return Settings(capture=CaptureSettings(**{"interval": 1, "channel": "room 1", **capture}))


def journal_rows(data_dir: DataDir, sql: str) -> list[dict[str, Any]]:
    conn = connect(data_dir.journal, readonly=True)
    try:
        return [dict(row) for row in conn.execute(sql)]
    finally:
        conn.close()


def run_session(engine: Engine, count: int, **capture: Any) -> Session:
    """Start the webhook and a session of `count` rounds; return once all is settled."""
    engine.start_webhook(port=0)
    session = engine.start_session(settings(**capture), count=count, upload_workers=2)
    assert session.progress.wait_for(lambda p: p.capture_done, DRAIN_S)
    assert session.drain(DRAIN_S), session.progress.summary()
    engine.stop_session()
    return session


def with_pattern(engine: Engine) -> None:
    engine.use_source(SyntheticSource(320, 180))
    assert engine.slot.wait_newer(-1, DRAIN_S) is not None


def test_a_round_stores_notifies_and_journals_each_shot(
    engine: Engine, event_log: EventLog, data_dir: DataDir
) -> None:
    with_pattern(engine)
    session = run_session(engine, count=1, uid=42, extra_info="order=9")
    assert session.succeeded
    [shot] = event_log.named(events.SHOT_CAPTURED)
    key = shot["object"]
    assert (data_dir.storage / key).read_bytes()[:3] == b"\xff\xd8\xff"
    [callback] = event_log.wait_for(events.CALLBACK_RECEIVED)
    assert (callback["object"], callback["checksum_ok"], callback["code"]) == (key, True, 200)
    [row] = journal_rows(data_dir, "SELECT * FROM shots")
    assert (row["object_key"], row["uid"], row["channel"]) == (key, 42, "room 1")
    assert (row["upload_state"], row["notify_state"]) == ("uploaded", "delivered")
    assert row["request_id"] == callback["requestId"]
    payload = json.loads(row["payload_json"])
    assert payload["callbackData"] == "order=9"
    assert payload["userId"] == "42"
    assert payload["timestamp"] == int(parse_object_key(key).utc)
    [stopped] = event_log.named(events.SESSION_STOPPED)
    assert (stopped["shots"], stopped["uploaded"], stopped["notified"]) == (1, 1, 1)


def test_users_n_gives_n_distinct_uids_and_sids_per_round(
    engine: Engine, event_log: EventLog, data_dir: DataDir
) -> None:
    with_pattern(engine)
    session = run_session(engine, count=1, uid=1000, users=3)
    assert session.succeeded
    shots = event_log.named(events.SHOT_CAPTURED)
    keys = [parse_object_key(e["object"]) for e in shots]
    assert sorted(k.uid for k in keys) == [1000, 1001, 1002]
    assert len({k.sid for k in keys}) == 3
    assert len({k.utc for k in keys}) == 1  # one frame, one instant, for the whole round
    [started] = event_log.named(events.SESSION_STARTED)
    assert started["uids"] == [1000, 1001, 1002]
    assert sorted(started["sids"]) == sorted(k.sid for k in keys)
    callbacks = event_log.wait_for(events.CALLBACK_RECEIVED, count=3)
    assert all(c["checksum_ok"] for c in callbacks)
    request_sids = {c["requestId"].split("_")[0] for c in callbacks}
    assert request_sids == {k.sid for k in keys}  # each requestId starts with its user's sid
    rows = journal_rows(data_dir, "SELECT uid, sid FROM shots ORDER BY uid")
    assert [(r["uid"], r["sid"]) for r in rows] == sorted((k.uid, k.sid) for k in keys)
    # the round's one thumbnail, made after the shots were handed on, reached every shot
    thumbs = journal_rows(
        data_dir,
        "SELECT t.shot_id, i.jpeg FROM thumbnails t JOIN thumbnail_images i ON i.id = t.image_id"
        " ORDER BY t.shot_id",
    )
    assert [t["shot_id"] for t in thumbs] == sorted(e["shot_id"] for e in shots)
    [ready] = event_log.named(events.THUMBNAIL_READY)  # readers are told to read again
    assert sorted(ready["shot_ids"]) == [t["shot_id"] for t in thumbs]
    stored = journal_rows(data_dir, "SELECT COUNT(*) AS n FROM thumbnail_images")
    assert stored[0]["n"] == 1  # one picture, shown by every user's shot of the round
    for thumb in thumbs:
        image = cv2.imdecode(np.frombuffer(thumb["jpeg"], np.uint8), cv2.IMREAD_COLOR)
        assert image is not None
        assert image.shape == (108, THUMB_WIDTH, 3)  # 320x180 scaled to 192 wide


def test_count_stops_after_n_rounds(engine: Engine, event_log: EventLog, data_dir: DataDir) -> None:
    with_pattern(engine)
    session = run_session(engine, count=2)
    assert session.progress.rounds == 2
    ticks = [e["tick"] for e in event_log.named(events.SHOT_CAPTURED)]
    assert ticks == [0, 1]
    assert len(journal_rows(data_dir, "SELECT id FROM shots")) == 2
    [started] = event_log.named(events.SESSION_STARTED)
    assert started["count"] == 2
    assert len(list(data_dir.storage.rglob("*.jpg"))) == 2


def test_no_frame_at_all_is_notified_as_206_saying_why(
    engine: Engine, event_log: EventLog, data_dir: DataDir
) -> None:
    session = run_session(engine, count=1)  # no source was ever chosen
    assert not session.succeeded
    assert event_log.named(events.SHOT_CAPTURED) == []
    [missed] = event_log.named(events.TICK_MISSED)
    [callback] = event_log.wait_for(events.CALLBACK_RECEIVED)
    assert (callback["code"], callback["checksum_ok"]) == (206, True)
    assert callback["object"] == missed["object"]
    [row] = journal_rows(data_dir, "SELECT * FROM shots")
    assert (row["code"], row["upload_state"], row["notify_state"]) == (206, "none", "delivered")
    msg = json.loads(row["payload_json"])["msg"]
    assert msg == row["msg"] == missed["reason"]
    assert msg == "No screenshot: no frame yet: no video source (no source chosen)"
    assert list(data_dir.root.rglob("*.jpg")) == []  # nothing spooled, nothing stored


def test_a_lost_source_is_notified_as_206_naming_it(
    engine: Engine, event_log: EventLog, data_dir: DataDir
) -> None:
    index = 99
    while os.path.exists(f"/dev/video{index}"):
        index += 1
    engine.use_source(CameraSource(index))
    event_log.wait_for(events.SOURCE_STATE)  # the camera did not open: reconnecting
    run_session(engine, count=1)
    [callback] = event_log.wait_for(events.CALLBACK_RECEIVED)
    assert callback["code"] == 206
    [row] = journal_rows(data_dir, "SELECT msg FROM shots")
    assert row["msg"].startswith(f"No screenshot: no frame yet: camera {index} is reconnecting")
    assert f"cannot open camera {index}" in row["msg"]


def test_a_missed_round_covers_every_user(engine: Engine, event_log: EventLog) -> None:
    run_session(engine, count=1, uid=5, users=2)
    missed = event_log.named(events.TICK_MISSED)
    assert sorted(m["uid"] for m in missed) == [5, 6]
    callbacks = event_log.wait_for(events.CALLBACK_RECEIVED, count=2)
    assert {c["code"] for c in callbacks} == {206}


def test_a_second_session_gets_a_new_sid(engine: Engine, event_log: EventLog) -> None:
    with_pattern(engine)
    run_session(engine, count=1)
    engine.stop_webhook()
    run_session(engine, count=1)
    sids = [parse_object_key(e["object"]).sid for e in event_log.named(events.SHOT_CAPTURED)]
    assert len(sids) == 2
    assert sids[0] != sids[1]


def test_engine_reopened_on_the_same_data_dir_sees_the_journal(
    data_dir: DataDir, event_log: EventLog
) -> None:
    first = Engine(data_dir, event_log)
    try:
        with_pattern(first)
        run_session(first, count=1)
    finally:
        assert first.close() == []
    again = Engine(data_dir, event_log)
    try:
        assert again.journal.open_shots() == []  # all finished: nothing to resume
        assert len(journal_rows(data_dir, "SELECT id FROM shots")) == 1
    finally:
        assert again.close() == []


def test_stop_capture_takes_no_more_shots_but_finishes_those_taken(
    engine: Engine, event_log: EventLog, data_dir: DataDir
) -> None:
    with_pattern(engine)
    engine.start_webhook(port=0)
    session = engine.start_session(settings(), count=None)  # would run until stopped
    event_log.wait_for(events.SHOT_CAPTURED)
    assert session.stop_capture()
    assert session.progress.capture_done
    taken = session.progress.shots
    assert session.drain(DRAIN_S)
    assert session.succeeded
    engine.stop_session()
    assert taken >= 1
    assert len(event_log.named(events.SHOT_CAPTURED)) == taken
    assert len(event_log.named(events.NOTIFY_SUCCEEDED)) == taken
    rows = journal_rows(data_dir, "SELECT notify_state FROM shots")
    assert [r["notify_state"] for r in rows] == ["delivered"] * taken
