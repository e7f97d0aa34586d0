"""Servers the benchmarks (and the tests) run on loopback: moto's S3 server in its own process,
and the floor's bare aiohttp app that only parses JSON.

`free_port`, `start_moto` and `stop_moto` are shared with tests/conftest.py, so both start moto
the same way.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from aiohttp import web

from capture.runtime import StopToken

MOTO_START_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)  # polling a port that is not listening yet: nothing to wait on
    return False


@dataclass
class MotoServer:
    endpoint: str
    port: int
    process: subprocess.Popen[bytes]


def start_moto(port: int | None = None) -> MotoServer:
    """moto's S3 server (`python -m moto.server`) on 127.0.0.1, in its own process."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if not wait_for_port(port, MOTO_START_TIMEOUT_S):
        process.kill()
        process.wait()
        raise RuntimeError(f"moto server did not start on port {port}")
    return MotoServer(f"http://127.0.0.1:{port}", port, process)


def stop_moto(server: MotoServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


class BareJsonServer:
    """Runnable: the floor's webhook, an aiohttp app that parses each body as JSON and answers
    `{"ok": true}`; nothing else. Hosted like the engine's webhook (its own asyncio loop on a
    thread), so the two differ only in the work each request does."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.parsed = 0
        self.ready = threading.Event()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/callback"

    def run(self, stop: StopToken) -> None:
        asyncio.run(self._serve(stop))

    async def _serve(self, stop: StopToken) -> None:
        stopped = stop.asyncio_event()
        app = web.Application()
        app.router.add_post("/callback", self._callback)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        try:
            await site.start()
            self.port = int(runner.addresses[0][1])
            self.ready.set()
            await stopped.wait()
        finally:
            await runner.cleanup()
            self.ready.set()

    async def _callback(self, request: web.Request) -> web.Response:
        json.loads(await request.read())
        self.parsed += 1
        return web.json_response({"ok": True})
