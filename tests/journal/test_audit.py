"""The journal read back for a reconciliation, read-only: on a journal of the first schema (no
MD5 column: only sizes are held against the storage) and on one the current writer made."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from capture.errors import ConfigError
from capture.journal.audit import LAST, JournalAudit, parse_session_ref
from capture.journal.states import UploadState
from capture.reconcile.compare import reconcile
from capture.storage import LocalStorage

FIXTURE = Path(__file__).with_name("fixtures") / "journal-v1.sqlite3"


@pytest.fixture
def v1_journal(tmp_path: Path) -> Path:
    copy = tmp_path / "journal.sqlite3"
    shutil.copy(FIXTURE, copy)
    return copy


def test_a_first_schema_journal_is_read_without_an_md5(v1_journal: Path) -> None:
    before = v1_journal.read_bytes()
    audit = JournalAudit(v1_journal)
    try:
        first = audit.session(1)
        last = audit.session(LAST)
    finally:
        audit.close()
    assert v1_journal.read_bytes() == before, "read-only: not upgraded, not touched"
    assert last.id == 3
    uploaded = [s for s in first.shots if s.state is UploadState.UPLOADED]
    assert [s.size for s in uploaded] == [1000, 1001, 1002]
    assert {s.md5 for s in first.shots} == {None}
    # its callbacks: matched to its shots (3), not the stray sender's nor the unparsable one
    assert [c.id for c in first.callbacks] == [1, 2, 3]


def test_reconcile_of_a_first_schema_session_compares_sizes_only(
    v1_journal: Path, tmp_path: Path
) -> None:
    store = LocalStorage(tmp_path / "store")
    audit = JournalAudit(v1_journal)
    try:
        session = audit.session(1)
        shots = [s for s in session.shots if s.state is UploadState.UPLOADED]
        store.put(shots[0].key, b"x" * shots[0].size)  # any bytes of the right size
        store.put(shots[1].key, b"x" * (shots[1].size + 1))
        result = reconcile(session, store, audit.owned)
    finally:
        audit.close()
    kinds = [(m.kind, m.key) for m in result.mismatches]
    assert kinds == [("size", shots[1].key), ("missing", shots[2].key)], result.mismatches
    assert result.callbacks == 3  # each names a stored object (the resized one is there)
    assert result.checked == 3 and result.folders == ["20240102/"]


@pytest.mark.parametrize("text", [None, "last", " last "])
def test_session_ref_last(text: str | None) -> None:
    assert parse_session_ref(text) == LAST


@pytest.mark.parametrize("text", ["", "x", "0", "-1", "1.5", "\uff11", "9" * 13])
def test_session_ref_refuses_what_is_not_an_id(text: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_session_ref(text)
    assert refused.value.field == "session"
