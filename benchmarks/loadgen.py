"""The webhook load generator, run in its own process so it does not share the server's GIL:

    python -m benchmarks.loadgen --url URL --bodies FILE --connections 16

POSTs every line of FILE (one JSON body per line) once, over `connections` keep-alive HTTP/1.1
connections, each sending its next request when the previous answer has arrived. Prints one JSON
object: how many answers of each status came back, errors, the elapsed time and the client's
own CPU time.

It speaks HTTP/1.1 over asyncio streams rather than through aiohttp's client because on a
2-core machine aiohttp's client saturates its core before a bare aiohttp server does, and
the floor would then measure the client. Answers must carry Content-Length (aiohttp's do).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MAX_ERRORS_SHOWN = 5


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    failed: int = 0

    def error(self, message: str) -> None:
        self.failed += 1
        if len(self.errors) < MAX_ERRORS_SHOWN:
            self.errors.append(message)


def request_bytes(url: str, body: bytes) -> bytes:
    parts = urlsplit(url)
    head = (
        f"POST {parts.path or '/'} HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\n"
        "Content-Type: application/json;charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


async def _answer(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise ValueError("answer without Content-Length")
    await reader.readexactly(length)
    return status


async def _connection(url: str, requests: list[bytes], tally: Tally) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while requests:
            writer.write(requests.pop())
            try:
                tally.statuses[await _answer(reader)] += 1
            except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
                tally.error(f"{type(exc).__name__}: {exc}")
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


async def run(url: str, bodies: list[bytes], connections: int) -> dict[str, object]:
    queue = [request_bytes(url, body) for body in reversed(bodies)]  # pop() sends in file order
    tally = Tally()
    started = time.perf_counter()
    cpu = time.process_time()
    await asyncio.gather(*(_connection(url, queue, tally) for _ in range(connections)))
    return {
        "sent": len(bodies),
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "failed": tally.failed,
        "errors": tally.errors,
        "elapsed_s": time.perf_counter() - started,
        "client_cpu_s": time.process_time() - cpu,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.loadgen")
    parser.add_argument("--url", required=True)
    parser.add_argument("--bodies", required=True, help="file with one JSON body per line")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args(argv)
    with open(args.bodies, "rb") as fh:
        bodies = [line.rstrip(b"\n") for line in fh if line.strip()]
    result = asyncio.run(run(args.url, bodies, args.connections))
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
