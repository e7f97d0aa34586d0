"""Schema upgrades at open: a version 1 journal made by the code of that version opens without
losing a row; steps run in order, each once, each in its own transaction; a journal newer than
the code is refused, naming the file."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from capture.errors import ShotHookError, describe
from capture.journal.exchanges import ExchangeReader
from capture.journal.reader import RowKind, Status, StatusGroup, TimelineReader
from capture.journal.schema import STEPS, Step, script, stored_version, upgrade
from capture.journal.states import NotifyState, UploadState
from capture.journal.writer import Journal, NewShot, connect

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).with_name("fixtures") / "journal-v1.sqlite3"
TABLES = ("meta", "sessions", "shots", "thumbnails", "attempts", "callbacks")
RUN_TIMEOUT_S = 60.0
VERSION = len(STEPS)  # the code's schema version is its number of steps


def dump(
    path: Path, columns: dict[str, list[str]] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as `columns` names them (default: the table's own)."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        out = {}
        for table in TABLES:
            names = columns[table] if columns else _columns(conn, table)
            listed = ", ".join(names)
            out[table] = [dict(r) for r in conn.execute(f"SELECT {listed} FROM {table} ORDER BY 1")]
        return out
    finally:
        conn.close()


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(r[1]) for r in conn.execute(f"PRAGMA table_info({table})")]


def shown_thumbnails(path: Path) -> list[tuple[int, bytes]]:
    """(shot id, JPEG) of every shot's thumbnail, as the current schema keeps them."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT t.shot_id, i.jpeg FROM thumbnails t"
            " JOIN thumbnail_images i ON i.id = t.image_id ORDER BY t.shot_id"
        ).fetchall()
        return [(int(r[0]), bytes(r[1])) for r in rows]
    finally:
        conn.close()


def version_of(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return stored_version(conn.cursor())
    finally:
        conn.close()


def upgraded(path: Path, steps: Sequence[Step]) -> int:
    conn = connect(path)
    try:
        return upgrade(conn, path, steps)
    finally:
        conn.close()


@pytest.fixture
def v1_journal(tmp_path: Path) -> Path:
    """A copy of the committed version 1 journal (opening it writes to it)."""
    path = tmp_path / "journal.sqlite3"
    shutil.copyfile(FIXTURE, path)
    return path


def test_the_fixture_is_a_version_1_journal_with_rows_in_every_table() -> None:
    assert version_of(FIXTURE) == 1
    rows = dump(FIXTURE)
    assert {table: len(rows[table]) for table in TABLES} == {
        "meta": 2,
        "sessions": 3,
        "shots": 9,
        "thumbnails": 4,
        "attempts": 9,
        "callbacks": 5,
    }
    states = {(s["upload_state"], s["notify_state"]) for s in rows["shots"]}
    assert {u for u, _ in states} == set(UploadState)
    assert {n for _, n in states} == set(NotifyState)


def test_a_version_1_journal_opens_and_upgrades_without_losing_a_row(v1_journal: Path) -> None:
    conn = sqlite3.connect(v1_journal)
    v1_columns = {table: _columns(conn, table) for table in TABLES}
    conn.close()
    v1_columns["thumbnails"] = ["shot_id"]  # its pictures moved to thumbnail_images (step 3)
    before = dump(v1_journal)

    journal = Journal(v1_journal)
    try:
        after = dump(v1_journal, v1_columns)
        record = journal.add_callback(
            remote="127.0.0.1",
            request_id=before["callbacks"][0]["request_id"],
            object_key=None,
            answered=200,
            checksum_ok=True,
            verdict="checksum verified",
            code=200,
            raw_body=b"{}",
        )
    finally:
        journal.close()

    assert version_of(v1_journal) == VERSION
    meta = {r["key"]: r["value"] for r in after["meta"]}
    assert meta == {"seq": 43, "schema": VERSION}
    for table in TABLES[1:]:
        if table not in ("shots", "thumbnails"):  # the two tables later steps change
            assert after[table] == before[table], table
    # Step 3: each distinct thumbnail stored once, every shot still showing its own.
    assert shown_thumbnails(v1_journal) == [(t["shot_id"], t["jpeg"]) for t in before["thumbnails"]]
    spool_paths = [shot.pop("spool_path") for shot in after["shots"]]
    assert after["shots"] == [
        {k: v for k, v in s.items() if k != "spool_path"} for s in before["shots"]
    ]
    # Step 2: spool files are named relative to the data folder (a moved folder keeps them).
    assert [p for p in spool_paths if p] == [
        f"spool/{p.rpartition('/')[2]}" for p in (s["spool_path"] for s in before["shots"]) if p
    ]
    reopened = Journal(v1_journal)
    try:
        waiting = [shot.spool_path for shot in reopened.open_shots() if shot.spool_path]
    finally:
        reopened.close()
    assert waiting and all(path.startswith(str(v1_journal.parent / "spool")) for path in waiting)
    lost = after["shots"][3]
    assert (lost["code"], lost["upload_state"], lost["notify_state"]) == (206, "lost", "delivered")
    assert (lost["msg"], spool_paths[3]) == ("spool file vanished", None)
    assert [c["delivery"] for c in after["callbacks"]] == [1, 2, 1, 1, 1]
    assert shown_thumbnails(v1_journal)[0][1] == b"\xff\xd8fixture-thumb\xff\xd9"
    assert (record.shot_id, record.delivery) == (1, 3)  # the journal goes on where it was


def test_the_reader_gives_each_shot_of_a_version_1_journal_its_status(v1_journal: Path) -> None:
    Journal(v1_journal).close()
    reader = TimelineReader(v1_journal)
    try:
        batch = reader.rows_since(0)
    finally:
        reader.close()
    assert [row.status for row in batch.rows if row.kind is RowKind.SHOT] == [
        Status.VERIFIED,
        Status.MISMATCH,
        Status.FAILED,
        Status.NO_SHOT,
        Status.NO_SHOT,
        Status.RETRYING,
        Status.RETRYING,
        Status.UPLOADING,
        Status.NO_SHOT,
    ]
    foreign = [row for row in batch.rows if row.status.group is StatusGroup.FOREIGN]
    # one callback about no shot of ours, one request the webhook refused (its own status)
    assert sorted(row.status for row in foreign) == [Status.FOREIGN, Status.REJECTED]


def test_a_new_file_gets_every_step_and_records_the_version(tmp_path: Path) -> None:
    path = tmp_path / "new" / "journal.sqlite3"
    Journal(path).close()
    assert version_of(path) == VERSION
    assert set(dump(path)) == set(TABLES)
    assert upgraded(path, STEPS) == VERSION  # opening again runs nothing


def logging_step(name: str) -> Step:
    def step(cur: sqlite3.Cursor) -> None:
        cur.execute("CREATE TABLE IF NOT EXISTS log(name TEXT NOT NULL)")
        cur.execute("INSERT INTO log(name) VALUES (?)", (name,))

    return step


def logged(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [str(r[0]) for r in conn.execute("SELECT name FROM log ORDER BY rowid")]
    finally:
        conn.close()


def test_steps_past_the_journals_version_run_in_order_each_once(v1_journal: Path) -> None:
    two = [*STEPS, logging_step("a"), logging_step("b")]
    assert upgraded(v1_journal, two) == 1
    assert version_of(v1_journal) == len(STEPS) + 2
    assert logged(v1_journal) == ["a", "b"]

    assert upgraded(v1_journal, [*two, logging_step("c")]) == len(STEPS) + 2
    assert logged(v1_journal) == ["a", "b", "c"]
    assert version_of(v1_journal) == len(STEPS) + 3


def test_a_failing_step_leaves_the_journal_at_the_step_before(v1_journal: Path) -> None:
    def broken(cur: sqlite3.Cursor) -> None:
        cur.execute("ALTER TABLE shots ADD COLUMN label TEXT NOT NULL DEFAULT ''")
        cur.execute("INSERT INTO no_such_table VALUES (1)")

    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        upgraded(v1_journal, [*STEPS, logging_step("a"), broken])
    assert version_of(v1_journal) == len(STEPS) + 1
    assert logged(v1_journal) == ["a"]
    conn = sqlite3.connect(v1_journal)
    assert "label" not in _columns(conn, "shots")  # the step's own change is rolled back
    conn.close()

    fixed = script("ALTER TABLE shots ADD COLUMN label TEXT NOT NULL DEFAULT '';")
    assert upgraded(v1_journal, [*STEPS, logging_step("a"), fixed]) == len(STEPS) + 1
    assert dump(v1_journal)["shots"][0]["label"] == ""
    assert len(dump(v1_journal)["shots"]) == 9


def test_a_journal_newer_than_the_code_is_refused_naming_the_file(v1_journal: Path) -> None:
    newer = [*STEPS, script("ALTER TABLE shots ADD COLUMN label TEXT NOT NULL DEFAULT '';")]
    upgraded(v1_journal, newer)
    before = dump(v1_journal)

    with pytest.raises(ShotHookError) as refused:
        Journal(v1_journal)
    message = describe(refused.value)
    assert str(v1_journal) in message
    assert f"schema version {len(newer)}, newer than" in message
    assert f"(version {VERSION})" in message
    assert dump(v1_journal) == before
    assert version_of(v1_journal) == len(newer)


def test_a_headless_run_on_a_newer_journal_exits_1_with_one_line_naming_it(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    path = data / "journal.sqlite3"
    Journal(path).close()
    upgraded(path, [*STEPS, logging_step("future")])
    done = subprocess.run(
        [sys.executable, "main.py", "--headless", "--data-dir", str(data), "--count", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert f"shothook: the journal {path} is at schema version {VERSION + 1}" in (done.stderr)
    assert logged(path) == ["future"]


@pytest.mark.parametrize(
    ("sql", "statements"),
    [
        ("CREATE TABLE a(x);\nCREATE TABLE b(y);\n", ["a", "b"]),
        ("CREATE TABLE a(x TEXT DEFAULT 'p;q');", ["a"]),
    ],
)
def test_a_script_step_runs_its_statements_in_order(
    tmp_path: Path, sql: str, statements: list[str]
) -> None:
    conn = sqlite3.connect(tmp_path / "x.sqlite3", isolation_level=None)
    try:
        cur = conn.cursor()
        cur.execute("BEGIN")
        script(sql)(cur)
        cur.execute("ROLLBACK")  # the step joins the caller's transaction; it does not commit
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []
        cur.execute("BEGIN")
        script(sql)(cur)
        cur.execute("COMMIT")
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master ORDER BY rowid")]
        assert names == statements
    finally:
        conn.close()


def test_a_script_with_an_unfinished_statement_is_refused() -> None:
    with pytest.raises(ValueError, match="unfinished SQL statement"):
        script("CREATE TABLE a(x);\nCREATE TABLE b(")


def test_step_4_gives_old_shots_no_lateness_and_new_ones_theirs(v1_journal: Path) -> None:
    journal = Journal(v1_journal)
    try:
        session = journal.start_session(source="t", storage="local", callback_url="", settings={})
        shot = journal.add_shot(
            NewShot(
                session_id=session,
                tick=0,
                sid="0" * 32,
                uid=1,
                channel="c",
                object_key="k",
                captured_utc="20250101000000000",
                code=200,
                msg="Supervise complete",
                late_ms=1.5,
            )
        )
    finally:
        journal.close()
    conn = sqlite3.connect(v1_journal)
    try:
        late = dict(conn.execute("SELECT id, late_ms FROM shots").fetchall())
    finally:
        conn.close()
    assert late.pop(shot) == 1.5
    assert len(late) == 9 and set(late.values()) == {None}


def test_a_version_6_journal_gets_an_empty_exchanges_table_and_keeps_every_row(
    v1_journal: Path,
) -> None:
    """Step 7 (every HTTP exchange whole) adds a table and touches no row already there."""
    assert upgraded(v1_journal, STEPS[:6]) == 1
    assert version_of(v1_journal) == 6
    before = dump(v1_journal)
    Journal(v1_journal).close()
    assert version_of(v1_journal) == VERSION
    after = dump(v1_journal)
    for table in TABLES:
        if table != "meta":
            assert after[table] == before[table], table
    conn = sqlite3.connect(v1_journal)
    try:
        assert conn.execute("SELECT COUNT(*) FROM exchanges").fetchone()[0] == 0
    finally:
        conn.close()
    reader = ExchangeReader(v1_journal)
    try:
        assert list(reader.iter_exchanges()) == []
        assert reader.exchanges_for_shot(1) == []
    finally:
        reader.close()


def test_step_8_gives_a_version_7_journals_exchanges_relayed_0_and_keeps_them(
    v1_journal: Path,
) -> None:
    """Step 8 (--forward-to) adds `relayed` to the exchanges a version 7 journal holds (0:
    none was forwarded) and changes nothing else in them."""
    assert upgraded(v1_journal, STEPS[:7]) == 1
    conn = sqlite3.connect(v1_journal)
    try:
        with conn:
            conn.execute(
                "INSERT INTO exchanges(direction, at, callback_id, method, url, http_version,"
                " request_headers, request_body, request_size, status, response_headers,"
                " response_body) VALUES ('received', '2026-01-01T00:00:00Z', 1, 'POST',"
                " '/callback', 'HTTP/1.1', x'', x'7b7d', 2, 200, x'', x'')"
            )
    finally:
        conn.close()
    Journal(v1_journal).close()
    assert version_of(v1_journal) == VERSION
    reader = ExchangeReader(v1_journal)
    try:
        (kept,) = list(reader.iter_exchanges())
        assert (kept.method, kept.request_body, kept.status, kept.relayed) == (
            "POST",
            b"{}",
            200,
            False,
        )
        assert reader.exchange_for_callback(1) == kept
        assert reader.forward_for_callback(1) is None
    finally:
        reader.close()
