"""A webhook on 127.0.0.1 in its own thread and event loop, for the load generator to load:
it records when each notification arrived and its parsed body, and answers as a test says."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from tests.support.aioapp import serving_app


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
    hook = Webhook(url="")
    app = web.Application()
    app.router.add_post("/cb", hook.handle)
    with serving_app(app, name="load-webhook") as port:
        hook.url = f"http://127.0.0.1:{port}/cb"
        yield hook
