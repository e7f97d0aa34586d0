"""A damaged journal is noticed when it is opened, and refused in one line naming the file and
what to do: truncated, overwritten with zeros, or random bytes over pages in the middle of a
journal big enough that they land on its rows. The file is left as it was found."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from capture.journal.schema import JournalDamaged, connect
from capture.journal.writer import Journal, NewShot
from capture.paths import DataDir

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 120.0
SHOTS = 400  # with their thumbnails, attempts and callbacks: about 2 MB, some 500 pages
PAGE = 4096  # SQLite's default page size
SID = "0" * 32


def fill(path: Path) -> None:
    """A journal with rows in every table, closed (its WAL checkpointed into the file)."""
    journal = Journal(path)
    noise = random.Random(7)
    session = journal.start_session(
        source="t", storage="l", callback_url="http://h/cb", settings={}
    )
    for n in range(SHOTS):
        shot_id = journal.add_shot(
            NewShot(
                session_id=session,
                tick=n,
                sid=SID,
                uid=1001,
                channel="demo",
                object_key=f"20250101/{SID}_demo__uid_s_1001__uid_e_video_{n:017d}.jpg",
                captured_utc=f"{20250101000000000 + n}",
                code=200,
                msg="Supervise complete",
                width=1280,
                height=720,
                size=50_000,
                spool_path=f"/spool/{n}.jpg",
                thumbnail=noise.randbytes(3000),
            )
        )
        request_id = f"{SID}_{n}"
        journal.notification_created(shot_id, request_id, '{"code": 200}', "http://h/cb")
    journal.close()


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("healthy") / "journal.sqlite3"
    fill(path)
    assert not Path(f"{path}-wal").exists()
    assert path.stat().st_size > 100 * PAGE
    return path


def truncate(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def zeros(path: Path) -> None:
    path.write_bytes(bytes(path.stat().st_size))


def random_pages(path: Path) -> None:
    """Three whole pages of random bytes, from the middle page on (rows, not the header)."""
    middle = path.stat().st_size // PAGE // 2
    with path.open("r+b") as fh:
        fh.seek(middle * PAGE)
        fh.write(random.Random(11).randbytes(3 * PAGE))


DAMAGES: dict[str, Callable[[Path], None]] = {
    "truncated": truncate,
    "overwritten with zeros": zeros,
    "random bytes mid-file": random_pages,
}


@pytest.fixture(params=list(DAMAGES.values()), ids=list(DAMAGES))
def damaged(request: pytest.FixtureRequest, healthy: Path, tmp_path: Path) -> Path:
    """A data folder whose journal is the healthy one, damaged."""
    data = DataDir.resolve(tmp_path / "data").create()
    shutil.copyfile(healthy, data.journal)
    request.param(data.journal)
    return data.journal


def test_the_healthy_journal_opens(healthy: Path, tmp_path: Path) -> None:
    copy = tmp_path / "journal.sqlite3"
    shutil.copyfile(healthy, copy)
    journal = Journal(copy)
    journal.close()
    conn = connect(copy, readonly=True)
    try:
        assert conn.execute("SELECT COUNT(*) FROM thumbnails").fetchone()[0] == SHOTS
    finally:
        conn.close()


def test_a_damaged_journal_is_refused_at_open_naming_the_file(damaged: Path) -> None:
    before = damaged.read_bytes()
    with pytest.raises(JournalDamaged) as info:
        Journal(damaged)
    message = str(info.value)
    assert message.startswith(f"the journal {damaged} is damaged (")
    advice = "Move it aside, with its -wal and -shm files if there are any"
    assert f"{advice} (for example mv {damaged} {damaged}.damaged)" in message
    assert "\n" not in message
    assert info.value.path == damaged
    assert damaged.read_bytes() == before  # nothing written to it


def run_main(argv: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


def test_headless_exits_2_with_one_line_on_a_damaged_journal(damaged: Path) -> None:
    data = str(damaged.parent)
    run = run_main(["--headless", "--data-dir", data, "--source", "synthetic", "--count", "1"])
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    assert run.stderr.count("\n") == 1, run.stderr
    assert run.stderr.startswith(
        f"shothook: the journal {damaged} is damaged ("
    )  # ...)., run.stderr
    assert f"mv {damaged} {damaged}.damaged" in run.stderr


def test_the_window_says_which_journal_is_damaged_and_what_to_do(
    healthy: Path, tmp_path: Path
) -> None:
    data = DataDir.resolve(tmp_path / "data").create()
    shutil.copyfile(healthy, data.journal)
    random_pages(data.journal)
    run = run_main(["--data-dir", str(data.root), "--webhook-port", "0"])
    assert run.returncode == 1, run.stderr  # as for any engine that cannot start
    assert "Traceback" not in run.stderr, run.stderr
    assert f"shothook: the journal {data.journal} is damaged (" in run.stderr
    assert "Move it aside" in run.stderr
