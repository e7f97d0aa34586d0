"""An aiohttp application served on 127.0.0.1 from its own thread and loop, for the tests'
webhooks under test.

The whole life of the server is one coroutine that waits on an asyncio.Event: a stop asked at
any moment, even before the server has settled, ends it. (Stopping the loop itself raced: a
`loop.stop` that landed while `run_until_complete(start())` was finishing was consumed there,
and the `run_forever` after it never ended.)
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import Iterator

from aiohttp import web

from tests.support.waits import JOIN_S


@contextlib.contextmanager
def serving_app(
    app: web.Application, *, tls: ssl.SSLContext | None = None, name: str = "test-webhook"
) -> Iterator[int]:
    """Serve `app` on 127.0.0.1 (a free port, yielded) until the block ends; its thread and loop
    are gone when it does."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    ports: list[int] = []
    stop: list[asyncio.Event] = []
    failure: list[BaseException] = []

    async def life() -> None:
        stop.append(asyncio.Event())
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls).start()
            ports.append(runner.addresses[0][1])
            ready.set()
            await stop[0].wait()
        finally:
            await runner.cleanup()

    def serve() -> None:
        try:
            loop.run_until_complete(life())
        except BaseException as exc:  # reported to the test by the assertion below
            failure.append(exc)
        finally:
            ready.set()
            loop.close()

    thread = threading.Thread(target=serve, name=name, daemon=True)
    thread.start()
    assert ready.wait(JOIN_S), f"{name} did not start"
    assert not failure and ports, f"{name} failed to start: {failure}"
    try:
        yield ports[0]
    finally:
        loop.call_soon_threadsafe(stop[0].set)
        thread.join(JOIN_S)
        assert not thread.is_alive(), f"{name} did not stop"
