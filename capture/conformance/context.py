"""What every scenario works with: the probe to the URL, the shot maker, the options, and the
list of exchanges the running scenario has made (every send is recorded there)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from capture.conformance.probe import Exchange, Probe
from capture.conformance.shots import Shots
from capture.spec.payload import Notification

BURST_DEFAULT = 50
SUSTAIN_RATE_DEFAULT = 20.0
SUSTAIN_SECONDS_DEFAULT = 10.0


@dataclass(frozen=True)
class Options:
    burst: int = BURST_DEFAULT
    sustain_rate: float = SUSTAIN_RATE_DEFAULT
    sustain_seconds: float = SUSTAIN_SECONDS_DEFAULT


class Context:
    def __init__(self, probe: Probe, shots: Shots, options: Options) -> None:
        self.probe = probe
        self.shots = shots
        self.options = options
        self.exchanges: list[Exchange] = []

    @property
    def url(self) -> str:
        return self.probe.url

    async def send(self, body: bytes) -> Exchange:
        exchange = await self.probe.send(body)
        self.exchanges.append(exchange)
        return exchange

    async def deliver(self, note: Notification, **overrides: object) -> Exchange:
        """Upload the shot's picture, then send its notification (with `overrides`)."""
        await self.shots.upload([note])
        return await self.send(self.shots.body(note, **overrides))

    async def all_at_once(self, bodies: Sequence[bytes]) -> list[Exchange]:
        return list(await asyncio.gather(*(self.send(body) for body in bodies)))
