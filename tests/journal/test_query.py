"""The journal searched in SQL: each status's condition agrees with the status the reader gives
every combination of a shot's states; the text is found in each field a tester searches, in
the whole journal (beyond any window), narrowed by group, session and time."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from capture.journal.query import STATUS_SQL, Query, statuses_named
from capture.journal.reader import RowKind, Status, StatusGroup, TimelineReader
from capture.journal.writer import Journal, NewShot
from tests.journal.test_states import COMBOS, journal_path  # noqa: F401 - a fixture

SID = "0" * 32
T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def test_each_status_sql_finds_exactly_the_rows_the_reader_gives_that_status(
    journal_path: Path,  # noqa: F811 - the fixture
) -> None:
    reader = TimelineReader(journal_path)
    try:
        rows = reader.rows_since(0, limit=len(COMBOS) + 1).rows
    finally:
        reader.close()
    conn = sqlite3.connect(journal_path)
    try:
        for status, sql in STATUS_SQL.items():
            found = {int(r[0]) for r in conn.execute(f"SELECT id FROM shots s WHERE {sql}")}
            assert found == {row.id for row in rows if row.status is status}, status
    finally:
        conn.close()
    assert {row.status for row in rows} == set(STATUS_SQL)  # every status met


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


def add(journal: Journal, session: int, n: int, channel: str = "lobby", uid: int = 1001) -> int:
    when = T0 + timedelta(minutes=n)
    utc = when.strftime("%Y%m%d%H%M%S") + "000"
    return journal.add_shot(
        NewShot(
            session_id=session,
            tick=n,
            sid=SID,
            uid=uid,
            channel=channel,
            object_key=f"{utc[:8]}/{SID}_{channel}__uid_s_{uid}__uid_e_video_{utc}.jpg",
            captured_utc=utc,
            code=200,
            msg="Supervise complete",
            spool_path="/nonexistent/spool.jpg",
        )
    )


def session(journal: Journal) -> int:
    return journal.start_session(source="t", storage="local", callback_url="", settings={})


def ids(reader: TimelineReader, query: Query, limit: int = 100) -> set[int]:
    return {row.id for row in reader.newest(limit, query=query).rows if row.kind is RowKind.SHOT}


def test_the_text_is_found_in_each_field_a_tester_searches(
    journal: Journal, reader: TimelineReader
) -> None:
    s = session(journal)
    plain = add(journal, s, 1)
    by_channel = add(journal, s, 2, channel="Support_Desk")
    by_uid = add(journal, s, 3, uid=424242)
    by_request = add(journal, s, 4)
    journal.notification_created(by_request, "rid-XYZ-1", json.dumps({"k": "v"}), "http://h/cb")
    by_status = add(journal, s, 5)
    journal.notification_created(by_status, "r5", "{}", "http://h/cb")
    journal.add_attempt(by_status, "r5", 1, status=503, ms=1, ok=False, error="x", body_excerpt="")
    by_body = add(journal, s, 6)
    journal.notification_created(by_body, "r6", "{}", "http://h/cb")
    journal.add_callback(
        remote="127.0.0.1",
        request_id="r6",
        object_key=None,
        answered=200,
        checksum_ok=False,
        verdict="v",
        code=200,
        raw_body=b'{"note": "needle \xc3\xa9 in the body"}',
    )
    assert ids(reader, Query("support_desk")) == {by_channel}  # any case; _ is no wildcard
    assert ids(reader, Query("support%")) == set()  # % is no wildcard either
    assert ids(reader, Query("424242")) == {by_uid}
    assert ids(reader, Query("rid-xyz")) == {by_request}
    assert ids(reader, Query("503")) == {by_status}
    assert ids(reader, Query("needle é")) == {by_body}
    assert ids(reader, Query("20250101120100")) == {plain}  # in its key
    assert ids(reader, Query("nothing like it")) == set()


def test_statuses_named_by_their_words_are_found(journal: Journal, reader: TimelineReader) -> None:
    s = session(journal)
    waiting = add(journal, s, 1)
    failed = add(journal, s, 2)
    journal.notification_created(failed, "r2", "{}", "http://h/cb")
    journal.notify_finished(failed, delivered=False)
    words = {Status.FAILED: "Failed", Status.UPLOADING: "Uploading"}
    assert statuses_named("fail", words) == {Status.FAILED}
    assert statuses_named("  ", words) == frozenset()
    assert ids(reader, Query("fail", statuses_named("fail", words))) == {failed}
    assert ids(reader, Query("upload", statuses_named("upload", words))) == {waiting}


def test_the_search_reads_beyond_the_window_and_counts_the_whole_journal(
    journal: Journal, reader: TimelineReader
) -> None:
    s = session(journal)
    old = add(journal, s, 1, channel="rare")
    for n in range(2, 40):
        add(journal, s, n)
    assert old not in ids(reader, Query(), limit=10)
    assert ids(reader, Query("rare"), limit=10) == {old}
    assert reader.matching(Query("rare")) == 1
    assert reader.matching(Query()) == 39


def test_filters_narrow_by_group_session_and_time(journal: Journal, reader: TimelineReader) -> None:
    first = session(journal)
    a = add(journal, first, 1)
    journal.stop_session(first)
    second = session(journal)
    b = add(journal, second, 2)
    c = add(journal, second, 3)
    journal.upload_succeeded(c, "/x.jpg", 1.0)
    journal.notification_created(c, "rc", "{}", "http://h/cb")
    journal.notify_finished(c, delivered=False)
    assert ids(reader, Query(session_id=first)) == {a}
    assert ids(reader, Query(session_id=second)) == {b, c}
    assert ids(reader, Query(group=StatusGroup.FAILED)) == {c}
    assert ids(reader, Query(group=StatusGroup.PENDING, session_id=second)) == {b}
    since = T0 + timedelta(minutes=2)
    assert ids(reader, Query(since=since)) == {b, c}
    assert ids(reader, Query(since=since, until=since + timedelta(minutes=1))) == {b}
    assert ids(reader, Query(until=T0)) == set()
    counted = reader.counters(second)
    assert (counted.rows, counted.failures, counted.pending) == (2, 1, 1)
    assert reader.counters().rows == 3
    assert [(info.id, info.counters.rows) for info in reader.sessions()] == [
        (second, 2),
        (first, 1),
    ]


def test_rows_since_with_a_query_brings_only_the_rows_it_finds(
    journal: Journal, reader: TimelineReader
) -> None:
    s = session(journal)
    add(journal, s, 1)
    start = reader.newest(10, query=Query("ada"))
    assert start.rows == []
    found = add(journal, s, 2, channel="ada")
    add(journal, s, 3)
    batch = reader.rows_since(start.seq, query=Query("ada", group=StatusGroup.FAILED))
    assert [row.id for row in batch.rows] == [found]  # the group is the window's to apply
    assert reader.rows_since(batch.seq, query=Query("ada")).rows == []


def test_a_foreign_callback_is_found_by_its_body_and_belongs_to_its_session(
    journal: Journal, reader: TimelineReader
) -> None:
    s = session(journal)
    journal.add_callback(
        remote="127.0.0.1",
        request_id="stranger",
        object_key="elsewhere.jpg",
        answered=400,
        checksum_ok=None,
        verdict="code: missing",
        code=None,
        raw_body=b'{"hello": "from outside"}',
    )
    found = reader.newest(10, query=Query("from outside")).rows
    assert [row.kind for row in found] == [RowKind.CALLBACK]
    assert len(reader.newest(10, query=Query("400")).rows) == 1
    assert len(reader.newest(10, query=Query(session_id=s)).rows) == 1
    assert reader.newest(10, query=Query(group=StatusGroup.FAILED)).rows == []
    assert len(reader.newest(10, query=Query("foreign", frozenset({Status.FOREIGN}))).rows) == 1
