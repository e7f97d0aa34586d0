"""Clearing the history: the confirmation's counts agree with what clearing then does; a shot
still waiting keeps its session, the running session stays, kept images of the forgotten
shots leave the spool."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from capture.engine import Engine
from capture.events import discard
from capture.journal.writer import Journal
from capture.paths import DataDir
from tests.journal.test_retention import LONG_AGO, callback, count, session_with_shot


def test_the_counts_say_what_clearing_takes_and_leaves(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    try:
        session_with_shot(journal, "done", finished=True, ended=LONG_AGO)
        session_with_shot(journal, "recent", finished=True, ended="2026-01-01T00:00:00.000Z")
        session_with_shot(journal, "waiting", finished=False, ended=LONG_AGO)
        journal.add_callbacks([callback("from-elsewhere")])  # matches no shot: a row of its own
        # a moment after everything above: in the same millisecond, "received before" is false
        cutoff = datetime.now(UTC) + timedelta(seconds=1)
        counts = journal.prune_counts(cutoff)
        assert (counts.going, counts.staying, counts.waiting) == (3, 1, 1)
        pruned = journal.prune(cutoff)
        assert (pruned.sessions, pruned.shots) == (2, 2)
        assert count(journal, "shots") == counts.staying
        after = journal.prune_counts(cutoff)
        assert (after.going, after.staying, after.waiting) == (0, 1, 1)
    finally:
        journal.close()


def test_the_engine_clears_all_but_the_running_session_and_the_waiting_shots(
    tmp_path: Path,
) -> None:
    data_dir = DataDir(tmp_path / "data").create()
    journal = Journal(data_dir.journal)
    session_with_shot(journal, "done", finished=True, ended=LONG_AGO)
    session_with_shot(journal, "waiting", finished=False, ended=LONG_AGO)
    running = journal.start_session(source="now", storage="x", callback_url="u", settings={})
    journal.close()
    kept, waiting = data_dir.spool / "done.jpg", data_dir.spool / "waiting.jpg"
    engine = Engine(data_dir, discard, keep_days=0)
    try:
        counts = engine.history_counts()
        assert (counts.going, counts.staying, counts.waiting) == (1, 1, 1)
        pruned = engine.clear_history()
        assert (pruned.sessions, pruned.shots) == (1, 1)
        assert not kept.exists() and waiting.is_file()
        assert count(engine.journal, "sessions") == 2  # the waiting shot's, and the running one
        assert running in {int(r) for r in _ids(engine.journal)}
        assert engine.history_counts().going == 0
    finally:
        engine.close()


def _ids(journal: Journal) -> list[int]:
    import sqlite3

    conn = sqlite3.connect(journal.path)
    try:
        return [int(r[0]) for r in conn.execute("SELECT id FROM sessions")]
    finally:
        conn.close()
