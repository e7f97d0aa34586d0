"""What ShotHook writes in its data folder is the user's alone, whatever the umask: the folder
and its spool 0700; the journal, its WAL and shared-memory files, the log, the lock and every
spooled image 0600. Checked on a headless run (during it, while the journal's WAL is there, and
after it), and on a data folder left by an earlier version."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from capture.journal.writer import Journal
from capture.paths import DataDir
from tests.support.processes import headless_process, json_lines
from tests.support.waits import WAIT_S

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")

LOOSE_UMASK = 0o022  # the usual one: files 0644 and folders 0755 unless made otherwise


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextlib.contextmanager
def umask(value: int) -> Iterator[None]:
    previous = os.umask(value)
    try:
        yield
    finally:
        os.umask(previous)


def test_a_run_leaves_the_data_folder_and_its_files_to_the_user_alone(tmp_path: Path) -> None:
    data = DataDir.resolve(tmp_path / "data")
    argv = ["--data-dir", str(data.root), "--source", "synthetic", "--interval", "1"]
    with umask(LOOSE_UMASK), headless_process([*argv, "--events", "-"]) as process:
        process.out.wait_for(
            lambda lines: any(e["event"] == "upload_succeeded" for e in json_lines(lines)),
            WAIT_S,
            "a shot stored",
        )
        wal, shm = (data.journal.with_name(data.journal.name + s) for s in ("-wal", "-shm"))
        images = list(data.spool.glob("*.jpg"))
        assert images, "the stored shot's image is kept in the spool"
        during = {p: mode(p) for p in (data.journal, wal, shm, data.lock_file, *images)}
        process.send_signal(signal.SIGTERM)
        process.wait(WAIT_S)
    assert during == dict.fromkeys(during, 0o600)
    assert (mode(data.root), mode(data.spool)) == (0o700, 0o700)
    assert (mode(data.journal), mode(data.log)) == (0o600, 0o600)
    assert data.log.stat().st_size > 0  # the run wrote to the file made for it


def test_a_folder_the_user_chose_keeps_its_mode_and_shothooks_files_in_it_are_private(
    tmp_path: Path,
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    with umask(LOOSE_UMASK):
        data = DataDir.resolve(shared).create()
    assert mode(shared) == 0o755  # not ShotHook's to close
    assert (mode(data.spool), mode(data.log)) == (0o700, 0o600)


def test_files_an_earlier_version_left_readable_lose_access_by_others(tmp_path: Path) -> None:
    with umask(LOOSE_UMASK):
        root = tmp_path / "data"
        root.mkdir()
        (root / "spool").mkdir()
        data = DataDir.resolve(root)
        data.log.write_text("an earlier run\n")
        journal = Journal(data.journal)
        journal.close()
        wal = data.journal.with_name(data.journal.name + "-wal")
        wal.write_bytes(b"")  # as a kill -9 leaves it (an empty WAL replays nothing)
        for path in (data.journal, wal, data.log):
            os.chmod(path, 0o644)
        os.chmod(data.spool, 0o755)
        data.create()
        journal = Journal(data.journal)
        try:
            assert (mode(data.journal), mode(wal), mode(data.log)) == (0o600, 0o600, 0o600)
        finally:
            journal.close()  # which checkpoints the WAL and deletes it
    assert mode(data.spool) == 0o700
    assert data.log.read_text() == "an earlier run\n"
