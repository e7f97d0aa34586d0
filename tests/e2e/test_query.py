"""`main.py --headless --query`: a real capture run journals its shots, then the query prints
the rows it finds as JSON lines (exit 0, none is no error) and refuses bad flags (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.processes import ROOT

TIMEOUT_S = 120


def main(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def lines(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("query") / "d"
    run = main(
        "--headless", "--data-dir", str(folder), "--webhook-port", "0", "--source", "synthetic",
        "--interval", "1", "--count", "2", "--channel", "front-desk",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return folder


def test_every_row_and_a_search_by_request_id_print_json_lines(data_dir: Path) -> None:
    everything = main("--headless", "--query", "", "--data-dir", str(data_dir))
    assert everything.returncode == 0, everything.stderr
    rows = lines(everything)
    assert len(rows) == 2 and {r["status"] for r in rows} == {"verified"}
    assert rows[0]["time"] < rows[1]["time"]  # oldest first
    assert all("front-desk" in r["object"] for r in rows)
    wanted = rows[1]["requestId"]
    found = lines(main("--headless", "--query", wanted[-12:].upper(), "--data-dir", str(data_dir)))
    assert [r["requestId"] for r in found] == [wanted]
    assert found[0]["callbacks"][0]["checksum_ok"] is True


def test_filters_and_body_text_narrow_the_rows(data_dir: Path) -> None:
    args = ["--query", "", "--data-dir", str(data_dir)]
    assert len(lines(main(*args, "--query-session", "last"))) == 2
    assert len(lines(main(*args, "--query-session", "1", "--query-since", "1d"))) == 2
    assert lines(main(*args, "--query-session", "99")) == []
    assert lines(main(*args, "--query-status", "failed")) == []
    assert len(lines(main(*args, "--query-status", "OK"))) == 2
    assert lines(main(*args, "--query-until", "2000-01-01T00:00:00Z")) == []
    # text only the bodies hold: the payload sent and the callbacks received
    assert len(lines(main("--query", "Supervise complete", "--data-dir", str(data_dir)))) == 2


def test_nothing_found_is_exit_0_with_no_lines(data_dir: Path, tmp_path: Path) -> None:
    none = main("--headless", "--query", "no-such-thing", "--data-dir", str(data_dir))
    assert (none.returncode, none.stdout) == (0, "")
    empty = main("--headless", "--query", "x", "--data-dir", str(tmp_path / "never-used"))
    assert (empty.returncode, empty.stdout) == (0, "")
    assert "nothing to search" in empty.stderr


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--query", "x", "--query-status", "lost"], "--query-status"),
        (["--query", "x", "--query-session", "0"], "--query-session"),
        (["--query", "x", "--query-session", "first"], "--query-session"),
        (["--query", "x", "--query-since", "yesterday"], "--query-since"),
        (["--query", "x", "--query-since", "1h", "--query-until", "2h"], "--query-until"),
        (["--query-status", "ok"], "--query-status"),
        (["--query"], "--query"),
    ],
)
def test_bad_flags_exit_2_in_one_line_naming_the_flag(
    args: list[str], flag: str, data_dir: Path
) -> None:
    done = main("--headless", *args, "--data-dir", str(data_dir))
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("shothook: ") and flag in line, line


def test_a_damaged_journal_exits_2_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "journal.sqlite3").write_bytes(b"not a database at all" * 100)
    done = main("--headless", "--query", "", "--data-dir", str(folder))
    assert done.returncode == 2
    assert "journal.sqlite3" in done.stderr and "damaged" in done.stderr
