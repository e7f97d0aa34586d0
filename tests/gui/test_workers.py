"""Worker threads give the GUI thread the CPU first: on Linux each runs, and starts its own
threads, at a lower priority (a higher nice value) than the thread that spawned it."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from capture.runtime import StopToken
from gui.workers import BACKGROUND_NICE, make_spawn

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice")


def nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


class Probe:
    """Records its own thread's nice value and that of a thread it starts."""

    def __init__(self) -> None:
        self.own = self.child = -100
        self.done = threading.Event()

    def run(self, stop: StopToken) -> None:
        self.own = nice()
        seen: list[int] = []
        helper = threading.Thread(target=lambda: seen.append(nice()))
        helper.start()
        helper.join(5.0)
        self.child = seen[0] if seen else -100
        self.done.set()


def test_a_worker_and_the_threads_it_starts_run_below_the_gui_thread() -> None:
    crashes: list[BaseException] = []
    gui = nice()
    probe = Probe()
    worker = make_spawn(lambda _name, exc: crashes.append(exc))("probe", probe)
    worker.start()
    assert probe.done.wait(5.0)
    assert worker.join(5.0)
    assert crashes == []
    expected = min(19, gui + BACKGROUND_NICE)
    assert probe.own == expected
    assert probe.child == expected
    assert nice() == gui  # the GUI thread itself is untouched
