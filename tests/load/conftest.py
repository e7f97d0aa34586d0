"""A webhook on 127.0.0.1 in its own thread and event loop, for the load generator to load:
it records when each notification arrived and its parsed body, and answers as a test says."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from tests.support.waits import JOIN_S


@dataclass
class Webhook:
    url: str
    arrivals: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    text: bool = False
    delay_s: float = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        self.arrivals.append((time.monotonic(), json.loads(await request.read())))
        if self.delay_s:
            await asyncio.sleep(self.delay_s)  # the slow webhook under test, not a wait
        if self.text:
            return web.Response(text="OK")
        return web.json_response({"ok": True}, status=self.status)


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    hook = Webhook(url="")
    runner_box: list[web.AppRunner] = []

    async def start() -> None:
        app = web.Application()
        app.router.add_post("/cb", hook.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        hook.url = f"http://127.0.0.1:{port}/cb"
        runner_box.append(runner)
        ready.set()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()
        loop.run_until_complete(runner_box[0].cleanup())
        loop.close()

    thread = threading.Thread(target=serve, name="load-webhook", daemon=True)
    thread.start()
    assert ready.wait(JOIN_S)
    yield hook
    loop.call_soon_threadsafe(loop.stop)
    thread.join(JOIN_S)
    assert not thread.is_alive()
