"""moto's S3 server in its own process on loopback, and free ports: shared by the tests and the
benchmarks, so both start moto the same way."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass

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


def start_moto(port: int | None = None, env: dict[str, str] | None = None) -> MotoServer:
    """moto's S3 server (`python -m moto.server`) on 127.0.0.1, in its own process."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
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
