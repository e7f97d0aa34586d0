"""A data folder that moves keeps its waiting shots: the journal names spool files relative to
the folder, and the spool never deletes a file the journal still names."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import boto3

from capture.journal.writer import connect
from capture.settings.model import StorageSettings
from tests.support.servers import MotoServer, free_port

ROOT = Path(__file__).resolve().parents[2]


def run_main(
    data: Path, endpoint: str, bucket: str, *args: str
) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "main.py",
        "--headless",
        "--data-dir",
        str(data),
        "--webhook-port",
        "0",
        "--source",
        "synthetic",
        "--interval",
        "1",
        "--s3-endpoint",
        endpoint,
        "--bucket",
        bucket,
        "--region",
        "us-east-1",
        *args,
    ]
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=90, check=False
    )


def shot_states(data: Path) -> list[tuple[str, str]]:
    conn = connect(data / "journal.sqlite3", readonly=True)
    try:
        rows = conn.execute("SELECT upload_state, msg FROM shots ORDER BY id").fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]
    finally:
        conn.close()


def test_shots_waiting_in_a_moved_data_folder_are_uploaded_not_lost(
    tmp_path: Path, bucket: StorageSettings, moto: MotoServer
) -> None:
    before = tmp_path / "before"
    unreachable = f"http://127.0.0.1:{free_port()}"  # nothing listens: every upload waits
    first = run_main(before, unreachable, bucket.bucket, "--count", "3", "--drain-timeout", "2")
    assert "Traceback" not in first.stderr, first.stderr
    assert [state for state, _ in shot_states(before)] == ["pending"] * 3
    assert len(list((before / "spool").glob("*.jpg"))) == 3

    moved = tmp_path / "elsewhere" / "after"
    moved.parent.mkdir()
    shutil.move(before, moved)  # a renamed home folder, a new mount point, a restored backup

    second = run_main(moved, moto.endpoint, bucket.bucket, "--count", "1")
    assert second.returncode == 0, second.stderr
    states = shot_states(moved)
    assert [state for state, _ in states] == ["uploaded"] * 4, states
    client = boto3.client("s3", endpoint_url=moto.endpoint, region_name="us-east-1")
    try:
        listed = client.list_objects_v2(Bucket=bucket.bucket).get("Contents", [])
    finally:
        client.close()
    assert len(listed) == 4


def test_a_journal_moved_aside_leaves_the_waiting_images_in_the_spool(
    tmp_path: Path, bucket: StorageSettings, moto: MotoServer
) -> None:
    data = tmp_path / "data"
    unreachable = f"http://127.0.0.1:{free_port()}"
    first = run_main(data, unreachable, bucket.bucket, "--count", "2", "--drain-timeout", "1")
    assert "Traceback" not in first.stderr, first.stderr
    waiting = sorted((data / "spool").glob("*.jpg"))
    assert len(waiting) == 2
    aside = tmp_path / "aside"
    aside.mkdir()
    for part in data.glob("journal.sqlite3*"):  # as the damaged-journal message advises
        shutil.move(part, aside / part.name)

    second = run_main(data, moto.endpoint, bucket.bucket, "--count", "1")
    assert second.returncode == 0, second.stderr
    assert all(path.is_file() for path in waiting)  # the old journal may still be repaired
