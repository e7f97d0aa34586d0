"""The preview counts the frames it paints and says when the first is on screen; with
SHOTHOOK_EXIT_AFTER_FIRST_FRAME set, the window reports that instant and closes (the start-up
benchmark times main.py with it)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from pytestqt.qtbot import QtBot

from capture.sources.runner import SourceState
from gui.app import FIRST_FRAME_ENV
from gui.preview import STATE_COLOURS, Packet, PreviewWidget

ROOT = Path(__file__).resolve().parents[2]
FLAGS = ("--webhook-port", "0", "--source", "synthetic")


def packet(index: int, value: int = 0) -> Packet:
    return Packet(np.full((180, 320, 3), value, np.uint8), index, 1280, 720)


def test_frames_painted_counts_each_frame_once_and_the_first_is_announced(qtbot: QtBot) -> None:
    widget = PreviewWidget()
    qtbot.addWidget(widget)
    widget.resize(320, 180)
    firsts: list[int] = []
    widget.first_frame_painted.connect(lambda: firsts.append(widget.frame_index))
    widget.grab()
    assert widget.frames_painted == 0 and firsts == []  # the placeholder is no frame
    widget.show_packet(packet(5))
    widget.grab()
    widget.grab()  # the same frame painted again
    assert widget.frames_painted == 1
    widget.show_packet(packet(6))
    widget.grab()
    assert widget.frames_painted == 2
    assert firsts == [5]


def test_the_overlay_follows_the_source_state(qtbot: QtBot) -> None:
    """The overlay is drawn once and reused: a new state must redraw it."""
    widget = PreviewWidget()
    qtbot.addWidget(widget)
    widget.resize(320, 180)
    widget.show_packet(packet(1, 128))
    dot = (12 + 13, widget.height() - 36 + 12)  # the state pill's dot

    def dot_colour() -> str:
        return widget.grab().toImage().pixelColor(*dot).name()

    widget.set_status(SourceState.LIVE, "", 30.0, "test")
    assert dot_colour() == STATE_COLOURS[SourceState.LIVE].hex
    widget.set_status(SourceState.RECONNECTING, "read failed", 0.0, "test")
    assert dot_colour() == STATE_COLOURS[SourceState.RECONNECTING].hex


def test_main_reports_the_first_frame_and_closes(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env[FIRST_FRAME_ENV] = "1"
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    started = time.time()
    done = subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(tmp_path / "data"), *FLAGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("first frame")]
    assert len(lines) == 1, done.stdout
    instant = float(lines[0].removeprefix("first frame painted at "))
    assert started < instant < time.time()
    assert "closed in" in (tmp_path / "data" / "shothook.log").read_text(encoding="utf-8")
