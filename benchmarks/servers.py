"""The floor's webhook the benchmarks run on loopback: a bare aiohttp app that only parses JSON.
(moto's server and free ports come from tests/support/servers.py, shared with the tests.)
"""

from __future__ import annotations

import asyncio
import json
import threading

from aiohttp import web

from capture.runtime import StopToken


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
