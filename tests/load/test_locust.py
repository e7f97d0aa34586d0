"""The Locust user class, distributed: a local master and two workers load a local webhook,
which must receive valid callbacks, and Locust's own stats must show requests and no failure.
Stopped by -t only: the master ends the run and the workers with it."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from capture.spec.naming import is_request_id
from capture.spec.payload import checksum
from tests.load.conftest import Webhook
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = "capture/load/locustfile.py"
EXIT_WAIT_S = 60.0


def _locust(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "locust", "-f", LOCUSTFILE, *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "LOAD_USER_RATE": "5"},
    )  # fmt: skip


def test_master_and_two_workers_send_valid_callbacks(webhook: Webhook, tmp_path: Path) -> None:
    port = str(free_port())
    master = _locust(
        "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", port,
        "--expect-workers", "2", "--headless", "-u", "4", "-r", "4", "-t", "4s",
        "--host", webhook.url, "--csv", str(tmp_path / "run"),
    )  # fmt: skip
    workers = [
        _locust("--worker", "--master-host", "127.0.0.1", "--master-port", port) for _ in range(2)
    ]
    out, _ = master.communicate(timeout=EXIT_WAIT_S)
    for worker in workers:
        worker.communicate(timeout=EXIT_WAIT_S)
    assert master.returncode == 0, out
    bodies = [body for _, body in webhook.arrivals]
    assert len(bodies) >= 20
    assert len({b["requestId"] for b in bodies}) == len(bodies)
    for b in bodies:
        assert is_request_id(b["requestId"])
        assert b["checksum"] == checksum(webhook.url, b["code"], b["object"], b["requestId"])
    with (tmp_path / "run_stats.csv").open() as f:
        row = next(r for r in csv.DictReader(f) if r["Name"] == "notification")
    assert int(row["Request Count"]) >= 20 and int(row["Failure Count"]) == 0
    assert int(row["Request Count"]) <= len(bodies)
