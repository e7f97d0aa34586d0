"""Recording webhooks on loopback: aiohttp servers on 127.0.0.1 (port 0) that keep each body
they receive and answer a status the test chooses (200: a JSON body), on one loop thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from tests.support.waits import WAIT_S


@dataclass
class Recorder:
    """An aiohttp webhook on 127.0.0.1 answering `status` (200: JSON), keeping each body."""

    status: int = 200
    bodies: list[bytes] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def recorders() -> Iterator[tuple[Recorder, Recorder]]:
    """Two recording webhooks on one loop thread, stopped at the end."""
    pair = (Recorder(), Recorder())
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    runners: list[web.AppRunner] = []

    def handler_for(recorder: Recorder) -> object:
        async def handle(request: web.Request) -> web.Response:
            recorder.bodies.append(await request.read())
            if recorder.status != 200:
                return web.json_response({"error": "tester"}, status=recorder.status)
            return web.json_response({"ok": True})

        return handle

    async def start() -> None:
        for recorder in pair:
            app = web.Application()
            app.router.add_post("/hook", handler_for(recorder))  # type: ignore[arg-type]
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            recorder.url = f"http://127.0.0.1:{port}/hook"
            runners.append(runner)
        ready.set()

    thread = threading.Thread(target=loop.run_forever, name="recorders")
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop)
    assert ready.wait(WAIT_S)
    try:
        yield pair
    finally:

        async def stop() -> None:
            for runner in runners:
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(WAIT_S)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(WAIT_S)
        loop.close()
