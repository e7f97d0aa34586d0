"""The detail's received bodies carry their checksum explained, against the callback URL the
shot was sent with (or, for a foreign callback, the session's running when it came)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from capture.journal.reader import TimelineReader
from capture.journal.writer import Journal, NewShot

SID = "0" * 32
URL = "http://127.0.0.1:8787/callback"
KEY = f"20250101/{SID}_demo__uid_s_1001__uid_e_video_20250101000001000.jpg"
RID = f"{SID}_1735689601_{'a' * 32}"


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    journal = Journal(tmp_path / "journal.sqlite3")
    yield journal
    journal.close()


@pytest.fixture
def reader(journal: Journal) -> Iterator[TimelineReader]:
    reader = TimelineReader(journal.path)
    yield reader
    reader.close()


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def shot(journal: Journal) -> int:
    session = journal.start_session(source="t", storage="local", callback_url=URL, settings={})
    shot_id = journal.add_shot(
        NewShot(
            session_id=session,
            tick=1,
            sid=SID,
            uid=1001,
            channel="demo",
            object_key=KEY,
            captured_utc="20250101000001000",
            code=200,
            msg="Supervise complete",
            spool_path=None,
        )
    )
    journal.notification_created(shot_id, RID, json.dumps({"requestId": RID}), URL)
    return shot_id


def received(journal: Journal, checksum: str, request_id: str = RID) -> None:
    body = {"requestId": request_id, "code": 200, "object": KEY, "checksum": checksum}
    journal.add_callback(
        remote="127.0.0.1",
        request_id=request_id,
        object_key=KEY,
        answered=200,
        checksum_ok=False,
        verdict="checksum does not match",
        code=200,
        raw_body=json.dumps(body).encode(),
    )


def test_a_shots_callback_with_the_fields_swapped_is_explained(
    journal: Journal, reader: TimelineReader
) -> None:
    shot(journal)
    received(journal, md5(f"{RID}{KEY}200{URL}"))
    (row,) = reader.rows_since(0).rows
    explained = reader.detail(row).received[0].checksum
    assert explained is not None and explained.found and not explained.matches
    assert explained.hashed == f"{URL}200{KEY}{RID}"
    assert "requestId+object+code+callbackAddr" in explained.sentence


def test_a_foreign_callback_is_explained_with_the_sessions_url(
    journal: Journal, reader: TimelineReader
) -> None:
    journal.start_session(source="t", storage="local", callback_url=URL, settings={})
    received(journal, md5(f"{URL}|200|{KEY}|other"), request_id="other")
    (row,) = reader.rows_since(0).rows
    explained = reader.detail(row).received[0].checksum
    assert explained is not None and explained.found
    assert "'|'" in explained.sentence


def test_a_body_without_a_checksum_has_no_explanation(
    journal: Journal, reader: TimelineReader
) -> None:
    shot(journal)
    journal.add_callback(
        remote="127.0.0.1",
        request_id=RID,
        object_key=KEY,
        answered=400,
        checksum_ok=None,
        verdict="checksum: missing",
        code=None,
        raw_body=b"{not json",
    )
    (row,) = reader.rows_since(0).rows
    assert reader.detail(row).received[0].checksum is None
