"""The real window on a real X server (Xvfb at 1280x720), driven by X key presses (xdotool) as
a keyboard user drives it: F5 starts capture and shots arrive, Shift+F5 stops, Tab reaches
every control and leaves the table, Ctrl+Q closes with exit status 0."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 60.0
TABS = 30  # more than the window's focus stops: the walk comes round to the start

pytestmark = pytest.mark.skipif(
    not (shutil.which("Xvfb") and shutil.which("xdotool")),
    reason="needs Debian's xvfb and xdotool (.ci/run installs them)",
)


def wait_for(what: str, check: Callable[[], bool], timeout: float = TIMEOUT_S) -> None:
    """Poll `check` until it holds (a condition on the journal or the log, not a sleep)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def display() -> Iterator[str]:
    """A private Xvfb at 1280x720; it tells us its display number on a pipe."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    try:
        assert number, "Xvfb gave no display"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def xdotool(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["xdotool", *args], env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=True
    )
    return done.stdout.strip()


def count(journal: Path, sql: str) -> int:
    if not journal.exists():
        return 0
    conn = sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=5)
    try:
        return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # not made yet
        return 0
    finally:
        conn.close()


def focus_names(log: Path) -> list[str]:
    if not log.exists():
        return []
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line.rsplit("focus: ", 1)[1] for line in lines if "focus: " in line]


def test_f5_starts_shift_f5_stops_and_tab_walks_every_control(display: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "SHOTHOOK_LOG_FOCUS": "1",
        "HOME": str(tmp_path / "home"),
    }
    env.pop("WAYLAND_DISPLAY", None)
    argv = [sys.executable, str(ROOT / "main.py"), "--data-dir", str(data)]
    argv += ["--source", "synthetic", "--interval", "1", "--webhook-port", "0"]
    app = subprocess.Popen(argv, env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    journal, log = data / "journal.sqlite3", data / "shothook.log"
    try:
        window = xdotool(env, "search", "--sync", "--onlyvisible", "--name", "ShotHook —")
        window = window.splitlines()[0]
        xdotool(env, "windowfocus", "--sync", window)  # no window manager gives it the focus
        wait_for("the window's first focus", lambda: bool(focus_names(log)))

        xdotool(env, "key", "F5")
        wait_for(
            "a verified callback", lambda: count(journal, "SELECT COUNT(*) FROM callbacks") > 0
        )
        xdotool(env, "key", "shift+F5")
        wait_for(
            "the session to stop",
            lambda: count(journal, "SELECT COUNT(*) FROM sessions WHERE stopped_at IS NULL") == 0,
        )
        shots = count(journal, "SELECT COUNT(*) FROM shots")

        before = len(focus_names(log))
        for _ in range(TABS):
            xdotool(env, "key", "Tab")
        wait_for("every Tab's focus change", lambda: len(focus_names(log)) >= before + TABS - 2)
        walk = focus_names(log)[before:]

        xdotool(env, "key", "ctrl+q")
        assert app.wait(TIMEOUT_S) == 0, app.stderr.read() if app.stderr else ""
    finally:
        if app.poll() is None:
            app.terminate()
            app.wait(TIMEOUT_S)
        if app.stderr:
            app.stderr.close()

    assert shots >= 1
    assert count(journal, "SELECT COUNT(*) FROM shots") == shots  # nothing shot after the stop
    names = [name.rsplit(" [", 1)[0] for name in walk]
    for control in ("Start capture", "Source", "Interval (s)", "Search the timeline", "Timeline"):
        assert control in names, walk
    assert "-" not in names, walk  # every stop has a name a screen reader can say
    table = names.index("Timeline")
    assert names[table + 1] != "Timeline", walk  # Tab leaves the table at once
