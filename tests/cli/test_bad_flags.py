"""Bad flag values, run as a user runs them (`main.py --headless` in a subprocess): each exits
2 at start with one line on stderr naming the flag's field and its rule, never a traceback, and
no shot is taken."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 60.0
HUGE = "9" * 5000  # past Python's 4300-digit limit on reading an int


@dataclass(frozen=True)
class Case:
    argv: tuple[str, ...]
    names: str  # how the line starts, after "shothook: "
    words: str  # part of the rule it states
    needs: str = ""  # a path the case needs on this machine


def _huge(flag: str, names: str, words: str) -> Case:
    return Case((flag, HUGE), names, words)


CASES = {
    "interval huge": _huge("--interval", "--interval: ", "whole seconds from 1 to 3600"),
    "uid huge": _huge("--uid", "--uid: ", "a whole number from 1 to 4294967295"),
    "jpeg quality huge": _huge("--jpeg-quality", "--jpeg-quality: ", "a whole number from 1"),
    "users huge": _huge("--users", "--users: ", "a whole number from 1 to 64"),
    "webhook port huge": _huge("--webhook-port", "--webhook-port: ", "from 0 to 65535"),
    "count huge": _huge("--count", "--count: ", "a whole number of rounds"),
    "spool cap huge": _huge("--spool-cap-mb", "--spool-cap-mb: ", "at most 1000000"),
    "drain timeout huge": _huge("--drain-timeout", "--drain-timeout: ", "at most 86400"),
    "drain timeout inf": Case(("--drain-timeout", "inf"), "--drain-timeout: ", "at most 86400"),
    "camera index huge": _huge("--source", "--source: ", "no such camera index"),
    "source superscript two": Case(
        ("--source", "\N{SUPERSCRIPT TWO}"), "--source: ", "no such file"
    ),
    "s3 endpoint open bracket": Case(
        ("--bucket", "shots", "--s3-endpoint", "http://[::1"), "--s3-endpoint: ", "Invalid IPv6 URL"
    ),
    "s3 endpoint empty": Case(
        ("--bucket", "shots", "--s3-endpoint", ""), "--s3-endpoint: ", "must be an http://"
    ),
    "callback url open bracket": Case(
        ("--callback-url", "http://[::1"), "--callback-url: ", "Invalid IPv6 URL"
    ),
    "public url open bracket": Case(
        ("--public-url", "http://[::1/cb"), "--public-url: ", "Invalid IPv6 URL"
    ),
    "events on a full device": Case(
        ("--events", "/dev/full"), "--events: ", "No space left on device", needs="/dev/full"
    ),
    "storage dir on a device": Case(
        ("--storage-dir", os.devnull), "--storage-dir: ", f"{os.devnull} is not a folder"
    ),
    "storage dir under /proc": Case(
        ("--storage-dir", "/proc/shothook-shots"),
        "--storage-dir: ",
        "cannot write in /proc",
        needs="/proc/self",
    ),
    "data dir empty": Case(("--data-dir", ""), "--data-dir: ", "not empty"),
    "forward to the webhook itself": Case(
        ("--webhook-port", "8787", "--forward-to", "http://localhost:8787/callback"),
        "--forward-to: ",
        "must not be the embedded webhook's own URL",
    ),
    "forward to ftp": Case(("--forward-to", "ftp://127.0.0.1/x"), "--forward-to: ", "http"),
    "relay without a forward": Case(("--relay-answer",), "--relay-answer: ", "needs --forward-to"),
}


def run_main(argv: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """main.py --headless with a pattern source; HOME and the data dirs point into tmp_path,
    so a flag that fell back to the default folder could not touch the user's."""
    home = tmp_path / "home"
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "share")}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--headless", "--source", "synthetic", *argv],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=RUN_TIMEOUT_S,
    )


def shots_taken(data: Path) -> int:
    journal = data / "journal.sqlite3"
    if not journal.exists():
        return 0
    conn = sqlite3.connect(journal)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM shots").fetchone()[0])
    finally:
        conn.close()


def assert_one_line(run: subprocess.CompletedProcess[str], names: str, words: str) -> str:
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    assert run.stderr.count("\n") == 1, run.stderr
    assert run.stderr.startswith(f"shothook: {names}"), run.stderr
    assert words in run.stderr, run.stderr
    return run.stderr


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_bad_flag_exits_2_at_start_with_one_line_naming_it(case: Case, tmp_path: Path) -> None:
    if case.needs and not os.path.exists(case.needs):
        pytest.skip(f"no {case.needs} here")
    data = tmp_path / "data"
    argv = ["--data-dir", str(data), "--count", "1", "--interval", "1", *case.argv]
    assert_one_line(run_main(argv, tmp_path), case.names, case.words)
    assert shots_taken(data) == 0
    assert not (tmp_path / "home").exists()  # the default data folder was never used


def test_storage_dir_on_a_regular_file_exits_2_at_start(tmp_path: Path) -> None:
    data, taken = tmp_path / "data", tmp_path / "taken.txt"
    taken.write_text("not a folder")
    argv = ["--data-dir", str(data), "--count", "1", "--storage-dir", str(taken)]
    assert_one_line(run_main(argv, tmp_path), "--storage-dir: ", f"{taken} is not a folder")
    assert not data.exists()


def test_a_file_that_is_no_video_names_the_field_and_the_whole_path(tmp_path: Path) -> None:
    passwd = tmp_path / "etc" / "passwd"
    passwd.parent.mkdir()
    passwd.write_text("root:x:0:0:root:/root:/bin/sh\n")
    data = tmp_path / "data"
    argv = ["--data-dir", str(data), "--count", "1", "--source", str(passwd)]
    line = assert_one_line(run_main(argv, tmp_path), "--source: ", "not a video file")
    assert str(passwd) in line
    assert shots_taken(data) == 0
