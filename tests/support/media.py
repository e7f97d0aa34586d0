"""Real media for the source tests: video files made by ffmpeg, an RTSP camera (GStreamer's
RTSP server) and an MJPEG-over-HTTP camera (ffmpeg), each of which a test can freeze with
SIGSTOP and resume with SIGCONT, as a camera that hangs with its connections open; and a
source run by its `SourceRunner` on a thread, as the engine runs it.

A test needing a program that is not installed is skipped, naming the program and the Debian
packages that bring it (`.ci/run` installs them).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from capture.runtime import ThreadWorker
from capture.sources import FrameSource
from capture.sources.frames import Frame, FrameSlot
from capture.sources.runner import SourceRunner
from tests.support.events import EventLog
from tests.support.processes import LineReader
from tests.support.servers import free_port
from tests.support.waits import JOIN_S, POLL_S, WAIT_S

SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with the GStreamer bindings the venv lacks
RTSP_SCRIPT = Path(__file__).with_name("rtsp_server.py")
START_S = 15.0  # for a server to print its URL


def ffmpeg() -> str:
    """The ffmpeg binary, or skip the test."""
    found = shutil.which("ffmpeg")
    if found is None:
        pytest.skip("ffmpeg is not installed (Debian: apt-get install ffmpeg)")
    return found


def make_video(path: Path, *, fps: float, frames: int, codec: str) -> Path:
    """A 160x120 test-pattern video at `fps` with `frames` frames, encoded with `codec`
    (an ffmpeg encoder: libx264, libvpx-vp9, ...) into the container `path`'s suffix names."""
    subprocess.run(
        [
            ffmpeg(),
            *("-hide_banner", "-loglevel", "error", "-y"),
            *("-f", "lavfi", "-i", f"testsrc=size=160x120:rate={fps:g}"),
            *("-frames:v", str(frames), "-c:v", codec, "-pix_fmt", "yuv420p", str(path)),
        ],
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )
    return path


class _Freezable:
    """SIGSTOP / SIGCONT on the process currently serving."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[Any] | None = None
        self._frozen: subprocess.Popen[Any] | None = None

    def freeze(self) -> None:
        """Stop the server's process dead: its sockets stay open, nothing more is sent."""
        with self._lock:
            assert self._process is not None, "nothing is serving"
            os.kill(self._process.pid, signal.SIGSTOP)
            self._frozen = self._process

    def thaw(self) -> None:
        with self._lock:
            frozen, self._frozen = self._frozen, None
        if frozen is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(frozen.pid, signal.SIGCONT)


def _end(process: subprocess.Popen[Any]) -> None:
    """Terminate a process that may be stopped (SIGCONT first, or it would never exit)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGCONT)
    process.terminate()
    try:
        process.wait(JOIN_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(JOIN_S)


class RtspCamera(_Freezable):
    """GStreamer's RTSP server (tests/support/rtsp_server.py) in a subprocess: H.264 at 30 fps
    on rtsp://127.0.0.1:<port>/stream."""

    def __init__(self) -> None:
        super().__init__()
        if not os.access(SYSTEM_PYTHON, os.X_OK):
            pytest.skip(f"{SYSTEM_PYTHON} is missing: the RTSP server runs on Debian's python3")
        self.url = ""

    def __enter__(self) -> RtspCamera:
        process = subprocess.Popen(
            [SYSTEM_PYTHON, str(RTSP_SCRIPT)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        out, err = LineReader(process.stdout), LineReader(process.stderr)
        try:
            out.wait_for(bool, START_S, "the RTSP server's URL")
            self.url = out.lines[0].strip()
            assert self.url.startswith("rtsp://"), f"the RTSP server failed:\n{err.join()}"
        except BaseException:
            _end(process)
            out.join()
            err.join()
            raise
        self._process = process
        self._readers = (out, err)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._process is not None
        _end(self._process)
        for reader in self._readers:
            reader.join()


class MjpegHttpCamera(_Freezable):
    """ffmpeg serving MJPEG over HTTP (multipart/x-mixed-replace, 20 fps) on
    http://127.0.0.1:<port>/video.mjpg. ffmpeg's HTTP server takes one client and exits when
    that client goes, so a supervisor thread starts it again each time: a reader that
    reconnects finds it listening again (after a thaw, once the frozen one has exited)."""

    def __init__(self) -> None:
        super().__init__()
        self._binary = ffmpeg()
        self.url = f"http://127.0.0.1:{free_port()}/video.mjpg"
        self.started = 0  # ffmpeg processes started so far
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="mjpeg-ffmpeg")

    def __enter__(self) -> MjpegHttpCamera:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        with self._lock:
            process = self._process
        if process is not None:
            _end(process)
        self._thread.join(JOIN_S)

    def _command(self) -> list[str]:
        return [
            self._binary,
            *("-hide_banner", "-loglevel", "quiet", "-re"),
            *("-f", "lavfi", "-i", "testsrc=size=160x120:rate=20"),
            *("-c:v", "mjpeg", "-q:v", "5", "-f", "mpjpeg"),
            *("-content_type", "multipart/x-mixed-replace;boundary=ffmpeg"),
            *("-listen", "1", self.url),
        ]

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            process = subprocess.Popen(
                self._command(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            with self._lock:
                self._process = process
                self.started += 1
            if self._stopping.is_set():  # __exit__ may have looked before this one existed
                _end(process)
            process.wait()
            self._stopping.wait(POLL_S)  # a server that cannot listen must not spin the loop


@contextlib.contextmanager
def frozen(camera: _Freezable) -> Iterator[None]:
    """`camera` frozen for the block, resumed after it (even if the block fails)."""
    camera.freeze()
    try:
        yield
    finally:
        camera.thaw()


@dataclass
class Running:
    runner: SourceRunner
    slot: FrameSlot
    log: EventLog

    def frame_after(self, index: int, timeout: float = WAIT_S) -> Frame:
        """The newest frame once one with an index above `index` is published (waits)."""
        frame = self.slot.wait_newer(index, timeout)
        assert frame is not None, f"no frame after #{index} within {timeout:g} s"
        return frame


@contextlib.contextmanager
def running(source: FrameSource) -> Iterator[Running]:
    """`source` fed into a slot by its runner on a worker thread, stopped at the end."""
    slot, log = FrameSlot(), EventLog()
    runner = SourceRunner(source, slot, log)
    worker = ThreadWorker("source", runner)
    worker.start()
    try:
        yield Running(runner, slot, log)
    finally:
        worker.request_stop()
        assert worker.join(WAIT_S), "the source runner did not stop when asked"
