"""The SQL that files shots under a status group, and the status the reader gives each row,
agree for every combination of a shot's states, code, callbacks and attempts."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from capture.journal.reader import TimelineReader
from capture.journal.states import (
    SHOT_GROUPS,
    NotifyState,
    StatusGroup,
    UploadState,
)
from capture.journal.writer import Journal
from capture.spec.payload import CODE_COMPLETE, CODE_INCOMPLETE

SID = "0" * 32


@dataclass(frozen=True)
class Combo:
    code: int
    upload: UploadState
    notify: NotifyState
    checksum: str  # no callback, or one whose checksum_ok is NULL, 1 or 0
    attempt: str  # no attempt, a failed one or a successful one
    upload_tries: int


COMBOS = [
    Combo(*values)
    for values in itertools.product(
        (CODE_COMPLETE, CODE_INCOMPLETE),
        UploadState,
        NotifyState,
        ("no callback", "none", "ok", "bad"),
        ("no attempt", "failed", "ok"),
        (0, 1),
    )
]
CHECKSUM_OK = {"none": None, "ok": 1, "bad": 0}


@pytest.fixture
def journal_path(tmp_path: Path) -> Iterator[Path]:
    """A journal with one shot per combination (in COMBOS' order: shot i + 1 is COMBOS[i]),
    written with SQL, since most combinations are ones the engine never makes."""
    path = tmp_path / "journal.sqlite3"
    Journal(path).close()
    conn = sqlite3.connect(path)
    try:
        with conn:
            _write(conn)
    finally:
        conn.close()
    yield path


def _write(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT INTO sessions(id, started_at, source, storage, callback_url, settings_json)"
        " VALUES (1, '2025-01-01T00:00:00Z', 'test', 'local', '', '{}')"
    )
    for shot_id, combo in enumerate(COMBOS, start=1):
        key, request_id = f"k{shot_id}.jpg", f"{SID}_{shot_id}_{'a' * 32}"
        conn.execute(
            "INSERT INTO shots(id, session_id, tick, sid, uid, channel, object_key,"
            " captured_utc, code, msg, size, upload_state, upload_tries, upload_error,"
            " request_id, notify_state, seq) VALUES (?, 1, ?, ?, 7, 'room', ?,"
            " '20250101000000000', ?, 'm', ?, ?, ?, 'down', ?, ?, ?)",
            (
                shot_id,
                shot_id,
                SID,
                key,
                combo.code,
                shot_id,  # its size: which shots a sum of sizes counts shows
                combo.upload.value,
                combo.upload_tries,
                request_id,
                combo.notify.value,
                shot_id,
            ),
        )
        if combo.attempt != "no attempt":
            ok = combo.attempt == "ok"
            conn.execute(
                "INSERT INTO attempts(shot_id, request_id, attempt, at, status, ms, ok, error)"
                " VALUES (?, ?, 1, '2025-01-01T00:00:01Z', ?, 5.0, ?, ?)",
                (shot_id, request_id, 200 if ok else 500, int(ok), "" if ok else "status 500"),
            )
        if combo.checksum != "no callback":
            conn.execute(
                "INSERT INTO callbacks(received_at, remote, request_id, object_key, shot_id,"
                " answered, checksum_ok, verdict, code, raw_body, body_size, seq)"
                " VALUES ('2025-01-01T00:00:02Z', '127.0.0.1', ?, ?, ?, 200, ?, 'v', ?, '{}', 2,"
                " ?)",
                (request_id, key, shot_id, CHECKSUM_OK[combo.checksum], combo.code, shot_id),
            )
    conn.execute("UPDATE meta SET value = ? WHERE key = 'seq'", (len(COMBOS),))


def _python_groups(path: Path) -> dict[int, StatusGroup]:
    reader = TimelineReader(path)
    try:
        batch = reader.rows_since(0, limit=len(COMBOS) + 1)
    finally:
        reader.close()
    assert not batch.more
    return {row.id: row.status.group for row in batch.rows}


def _sql_groups(path: Path) -> dict[int, set[StatusGroup]]:
    conn = sqlite3.connect(path)
    try:
        found: dict[int, set[StatusGroup]] = {i: set() for i in range(1, len(COMBOS) + 1)}
        for group, predicate in SHOT_GROUPS.items():
            for (shot_id,) in conn.execute(f"SELECT id FROM shots s WHERE {predicate.sql}"):
                found[int(shot_id)].add(group)
        return found
    finally:
        conn.close()


def test_every_combination_is_filed_by_sql_under_its_rows_status_group(
    journal_path: Path,
) -> None:
    python = _python_groups(journal_path)
    sql = _sql_groups(journal_path)
    assert len(python) == len(COMBOS)
    disagree = {
        COMBOS[shot_id - 1]: (python[shot_id], sorted(sql[shot_id]))
        for shot_id in python
        if sql[shot_id] != {python[shot_id]}
    }
    assert disagree == {}
    expected_failed = {  # written out here, so both sides cannot be wrong the same way
        i + 1
        for i, c in enumerate(COMBOS)
        if c.code != CODE_COMPLETE or c.notify is NotifyState.FAILED or c.checksum == "bad"
    }
    assert {i for i, g in python.items() if g is StatusGroup.FAILED} == expected_failed
    assert set(python.values()) == {StatusGroup.OK, StatusGroup.PENDING, StatusGroup.FAILED}


def test_the_readers_group_filters_and_counters_agree_with_the_rows(journal_path: Path) -> None:
    python = _python_groups(journal_path)
    reader = TimelineReader(journal_path)
    try:
        for group in StatusGroup:
            rows = reader.newest(len(COMBOS), group).rows
            assert sorted(row.id for row in rows) == sorted(
                i for i, g in python.items() if g is group
            ), group
        counters = reader.counters()
    finally:
        reader.close()
    groups = list(python.values())
    assert counters.failures == groups.count(StatusGroup.FAILED)
    assert counters.pending == groups.count(StatusGroup.PENDING)
    assert counters.shots == sum(c.code == CODE_COMPLETE for c in COMBOS)
    assert counters.uploaded == sum(c.upload is UploadState.UPLOADED for c in COMBOS)
    assert counters.notified == sum(c.notify is NotifyState.DELIVERED for c in COMBOS)


def test_open_shots_are_the_combinations_with_an_unfinished_upload_or_notification(
    journal_path: Path,
) -> None:
    journal = Journal(journal_path)
    try:
        found = [(shot.id, shot.upload_state, shot.notify_state) for shot in journal.open_shots()]
        pending_bytes = journal.pending_spool_bytes()
    finally:
        journal.close()
    unfinished = (NotifyState.WAITING, NotifyState.SENDING)
    assert found == [
        (i + 1, c.upload, c.notify)
        for i, c in enumerate(COMBOS)
        if c.upload is UploadState.PENDING or c.notify in unfinished
    ]
    assert all(isinstance(state, UploadState) for _, state, _ in found)
    uploading = [i + 1 for i, c in enumerate(COMBOS) if c.upload is UploadState.PENDING]
    assert pending_bytes == sum(uploading)  # each shot's size is its id
