"""The headless `--events` lines are a contract scripts parse: the golden file holds one line
per event name (one per shape where an event has several), and the engine's constructors must
still write exactly those bytes, key order included."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from capture import events
from capture.events import (
    CallbackForwarded,
    CallbackReceived,
    CallbackRejected,
    Event,
    JsonLinesWriter,
    NotifyAttempt,
    NotifyFailed,
    NotifySucceeded,
    SessionStarted,
    SessionStopped,
    ShotCaptured,
    SourceStateChanged,
    SpoolWarning,
    ThumbnailReady,
    TickMissed,
    UploadFailed,
    UploadsPaused,
    UploadsResumed,
    UploadSucceeded,
    WarningIssued,
    WebhookListening,
)

GOLDEN = Path(__file__).with_name("golden.jsonl")
START = datetime(2025, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)
OBJECT = "shots/3f2a9c/shothook-demo/1001/20250304050607890.jpg"
REQUEST_ID = "3f2a9c-20250304050608-7d1e"


def _at(n: int) -> datetime:
    """A fixed time per line, one second apart, so lines differ in their time too."""
    return START + timedelta(seconds=n)


def golden_events() -> list[Event]:
    """Every event the engine emits, with every field its emit site sets (values as typed)."""
    made = [
        SessionStarted(
            session_id=7,
            sids=("3f2a9c", "81bb04"),
            channel="démo café",  # not ASCII: written as is, not \u-escaped
            uids=(1001, 1002),
            interval=5,
            count=None,
            source="test pattern 640x360 @ 25 fps",
            storage="local folder /data/storage",
            callback_url="http://127.0.0.1:8787/callback",
            resumed=2,
        ),
        ShotCaptured(
            shot_id=41,
            object=OBJECT,
            uid=1001,
            tick=3,
            bytes=48213,
            width=640,
            height=360,
            frame=1204,
            late_ms=1.25,
        ),
        ShotCaptured(  # a shot taken with no slot to be late against
            shot_id=42,
            object=OBJECT,
            uid=1001,
            tick=0,
            bytes=48213,
            width=640,
            height=360,
            frame=0,
            late_ms=None,
        ),
        TickMissed(
            shot_id=43,
            tick=4,
            uid=1001,
            object=OBJECT,
            reason="No screenshot: no frame yet: no video source",
        ),
        SpoolWarning(
            message="spool 81 % full: 829.4 MB of 1024.0 MB waiting",
            pending_bytes=869690982,
            cap_bytes=1073741824,
        ),
        ThumbnailReady(shot_ids=(41, 42)),
        UploadSucceeded(
            shot_id=41,
            object=OBJECT,
            location=f"s3://bucket/{OBJECT}",
            bytes=48213,
            ms=12.3,
            attempt=1,
        ),
        UploadFailed(  # from the upload queue: retried after a backoff
            shot_id=41,
            object=OBJECT,
            error="cannot reach the storage at http://127.0.0.1:9000",
            advice="Check the endpoint URL and that the storage is running.",
            code="EndpointConnectionError",
            retryable=True,
            attempt=2,
            retry_in_s=2.0,
            final=False,
        ),
        UploadFailed(  # from the session: the spool file is gone, failed for good
            shot_id=42,
            object=OBJECT,
            error="Screenshot not uploaded: its spool file is gone",
            advice="The spool folder must not be cleaned while shots wait in it.",
            code="SpoolFileLost",
            retryable=False,
            attempt=1,
            retry_in_s=None,
            final=True,
        ),
        UploadsPaused(
            reason="access denied to bucket b",
            advice="Grant s3:PutObject on b/*.",
            code="AccessDenied",
        ),
        UploadsResumed(storage="s3://bucket at http://127.0.0.1:9000"),
        NotifyAttempt(
            shot_id=41,
            object=OBJECT,
            requestId=REQUEST_ID,
            attempt=1,
            status=200,
            ms=3.4,
            ok=True,
            error="",
        ),
        NotifyAttempt(  # no HTTP answer at all
            shot_id=41,
            object=OBJECT,
            requestId=REQUEST_ID,
            attempt=2,
            status=None,
            ms=5000.2,
            ok=False,
            error="no complete answer within 5 s",
        ),
        NotifySucceeded(
            shot_id=41,
            object=OBJECT,
            requestId=REQUEST_ID,
            code=200,
            attempts=1,
        ),
        NotifyFailed(
            shot_id=41,
            object=OBJECT,
            requestId=REQUEST_ID,
            code=206,
            attempts=3,
            error="status 500, expected 200",
        ),
        CallbackReceived(
            object=OBJECT,
            requestId=REQUEST_ID,
            code=200,
            checksum_ok=True,
            verdict="checksum verified with callbackAddr http://127.0.0.1:8787/callback",
            delivery=2,
            retry=True,
            shot_id=41,
            answered=200,
        ),
        CallbackReceived(  # a callback matching no shot of this journal
            object=OBJECT,
            requestId=REQUEST_ID,
            code=206,
            checksum_ok=False,
            verdict="checksum does not match md5(...) for callbackAddr in: x",
            delivery=1,
            retry=False,
            shot_id=None,
            answered=0,
        ),
        CallbackRejected(
            status=400,
            problem="field 'code' must be an integer",
            field="code",
            bytes=87,
        ),
        WebhookListening(
            url="http://127.0.0.1:8788/callback",
            host="127.0.0.1",
            port=8788,
            note="port 8787 was taken; listening on 8788",
            port_taken=8787,
        ),
        SourceStateChanged(state="live", source="test pattern 640x360 @ 25 fps", reason=""),
        SourceStateChanged(  # a reconnect attempt says which and when the next comes
            state="reconnecting",
            source="stream http://cam/video",
            reason="cannot open stream http://cam/video",
            attempt=3,
            retry_in=2.0,
        ),
        WarningIssued(message="webhook cannot listen on 127.0.0.1 port 8787"),
        WarningIssued(  # an upload abandoned on stop
            message="stopped while shot 41 was uploading: the upload was abandoned",
            shot_id=41,
            object=OBJECT,
        ),
        WarningIssued(  # an earlier session that did not stop cleanly
            message="session 6 (started 2025-03-04T04:00:00Z) did not stop cleanly",
            session_id=6,
            unfinished=3,
        ),
        SessionStopped(
            session_id=7,
            shots=12,
            missed=1,
            uploaded=11,
            notified=12,
            notify_failed=0,
            pending_uploads=0,
            pending_notifications=0,
            stuck=("upload-2",),
        ),
        CallbackForwarded(
            target="http://127.0.0.1:9000/hook",
            method="POST",
            status=None,
            ms=5001.5,
            error="forward timed out after 5 s",
            relayed=True,
            requestId=REQUEST_ID,
        ),
    ]
    return [replace(e, time=_at(n)) for n, e in enumerate(made)]


def _written(made: list[Event]) -> bytes:
    stream = io.StringIO()
    write = JsonLinesWriter(stream)
    for event in made:
        write(event)
    return stream.getvalue().encode("utf-8")


def _names() -> set[str]:
    """Every event name capture/events.py declares (its upper-case string constants)."""
    return {
        value
        for attr, value in vars(events).items()
        if attr.isupper() and not attr.startswith("_") and isinstance(value, str)
    }


def test_events_are_written_byte_for_byte_as_the_golden_lines() -> None:
    written = _written(golden_events())
    golden = GOLDEN.read_bytes()
    assert written.decode("utf-8").splitlines() == golden.decode("utf-8").splitlines()
    assert written == golden  # line ends and encoding too


def test_every_name_has_exactly_one_class_and_every_class_is_in_the_golden() -> None:
    classes = _event_classes()
    assert sorted(c.name for c in classes) == sorted(_names())  # one class per name, no spare
    assert {c.name: c for c in classes} == events.TYPES
    assert {type(e) for e in golden_events()} == set(classes)
    assert len(_names()) == 19  # the names are read off the module: guard against reading none


def _event_classes() -> list[type[Event]]:
    """Every class capture/events.py declares below Event, however deep (a class sharing a
    name would show up twice)."""
    found: list[type[Event]] = []
    pending = list(Event.__subclasses__())
    while pending:
        kind = pending.pop()
        if kind.__module__ == events.__name__:  # not the ones tests declare
            found.append(kind)
        pending.extend(kind.__subclasses__())
    return found


def test_upload_failed_has_one_shape_whichever_part_failed_the_upload() -> None:
    lines = [e.to_dict() for e in golden_events() if isinstance(e, UploadFailed)]
    assert [line["final"] for line in lines] == [False, True]  # the queue's, then the session's
    assert list(lines[0]) == list(lines[1])


def test_a_second_class_for_a_name_is_refused() -> None:
    with pytest.raises(TypeError, match="'warning' is already WarningIssued"):

        class Again(Event):
            name = "warning"

    assert events.TYPES[events.WARNING] is WarningIssued


def test_fields_are_the_line_as_json_holds_it_and_a_copy() -> None:
    started = golden_events()[0]
    fields = started.fields
    assert fields["uids"] == [1001, 1002]  # sequences as lists, as scripts read them back
    fields["uids"].append(1003)
    assert started.fields["uids"] == [1001, 1002]  # one sink changing it changes no other's
    reconnecting = SourceStateChanged(state="live", source="s", reason="")
    assert list(reconnecting.fields) == ["state", "source", "reason"]  # None left out
