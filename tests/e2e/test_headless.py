"""The headless contract, running `main.py` as a user does (a subprocess from the repo root):
JSON events on stdout, progress on stderr, exit status 0 / 1 / 2, clean stop on signals, and
the end-to-end run to an S3 bucket notified to the embedded webhook."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

import boto3
import cv2
import numpy as np
import pytest

from capture.cli import headless as headless_mode
from capture.cli.flags import parse_args
from capture.journal.writer import connect
from capture.settings.model import StorageSettings
from capture.spec.naming import parse_object_key
from capture.spec.payload import Notification
from tests.support.servers import MotoServer, free_port

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 60.0
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
CONTRACT_EVENTS = {
    "session_started",
    "shot_captured",
    "upload_succeeded",
    "notify_attempt",
    "notify_succeeded",
    "callback_received",
    "session_stopped",
}


@dataclass
class Run:
    status: int
    events: list[dict[str, Any]]
    stdout: str
    stderr: str

    def named(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == name]


def command(*args: str) -> list[str]:
    return [sys.executable, "main.py", *args]


def parse_events(stdout: str) -> list[dict[str, Any]]:
    """Every stdout line is one JSON object with `event` and an ISO-8601 UTC `time`."""
    parsed = []
    for line in stdout.splitlines():
        event = json.loads(line)
        assert isinstance(event, dict), line
        assert isinstance(event["event"], str), line
        assert ISO_UTC.fullmatch(event["time"]), line
        assert datetime.fromisoformat(
            event["time"].replace("Z", "+00:00")
        ).utcoffset() == timedelta(0)
        parsed.append(event)
    return parsed


def run_main(*args: str) -> Run:
    done = subprocess.run(
        command(*args), cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
    )
    assert "Traceback" not in done.stderr, done.stderr
    return Run(done.returncode, parse_events(done.stdout), done.stdout, done.stderr)


def headless(data_dir: Path, *args: str) -> list[str]:
    return [
        "--headless",
        "--data-dir",
        str(data_dir),
        "--webhook-port",
        "0",
        "--events",
        "-",
        *args,
    ]


def s3_flags(moto: MotoServer, bucket: StorageSettings) -> list[str]:
    """The moto bucket, as a user names it; keys come from the AWS_* variables (aws_env)."""
    return ["--s3-endpoint", moto.endpoint, "--bucket", bucket.bucket, "--region", "us-east-1"]


def journal(data_dir: Path, sql: str) -> list[dict[str, Any]]:
    conn = connect(data_dir / "journal.sqlite3", readonly=True)
    try:
        return [dict(row) for row in conn.execute(sql)]
    finally:
        conn.close()


# -- the end-to-end run the issue asks for -----------------------------------------------------


def test_end_to_end_three_shots_to_s3_notified_to_the_embedded_webhook(
    tmp_path: Path, bucket: StorageSettings, moto: MotoServer
) -> None:
    data = tmp_path / "data"
    run = run_main(
        *headless(data, "--source", "synthetic", "--count", "3", "--interval", "1"),
        *s3_flags(moto, bucket),
        "--prefix",
        "qa/run1",
    )
    assert run.status == 0, run.stderr

    # Exactly three objects, named as the spec says, each a 1280x720 JPEG.
    client = boto3.client("s3", endpoint_url=moto.endpoint, region_name="us-east-1")
    try:
        listed = client.list_objects_v2(Bucket=bucket.bucket).get("Contents", [])
        keys = sorted(obj["Key"] for obj in listed)
        assert len(keys) == 3, keys
        parts = [parse_object_key(key) for key in keys]
        for key in keys:
            got = client.get_object(Bucket=bucket.bucket, Key=key)
            assert got["ContentType"] == "image/jpeg"
            image = cv2.imdecode(np.frombuffer(got["Body"].read(), np.uint8), cv2.IMREAD_COLOR)
            assert image is not None, f"{key} is not a JPEG"
            assert image.shape == (720, 1280, 3)
    finally:
        client.close()
    assert {(p.prefix, p.cname, p.uid) for p in parts} == {("qa/run1", "shothook-demo", 1001)}
    assert len({p.sid for p in parts}) == 1  # one sid for the session
    assert len({p.utc for p in parts}) == 3
    assert all(p.date == p.utc[:8] for p in parts)

    # The event contract on stdout.
    assert {e["event"] for e in run.events} >= CONTRACT_EVENTS
    assert len(run.named("shot_captured")) == 3
    assert sorted(e["object"] for e in run.named("upload_succeeded")) == keys
    for attempt in run.named("notify_attempt"):
        assert attempt["attempt"] == 1
        assert attempt["status"] == 200
        assert isinstance(attempt["ms"], int | float)
    assert len(run.named("notify_succeeded")) == 3
    callbacks = run.named("callback_received")
    assert len(callbacks) == 3
    assert all(c["checksum_ok"] is True for c in callbacks)
    assert sorted(c["object"] for c in callbacks) == keys
    [stopped] = run.named("session_stopped")
    assert (stopped["shots"], stopped["uploaded"], stopped["notified"]) == (3, 3, 3)

    # The journal ties each shot to its upload, its attempts and its callback.
    shots = journal(data, "SELECT * FROM shots ORDER BY id")
    assert sorted(s["object_key"] for s in shots) == keys
    by_request = {c["requestId"]: c for c in callbacks}
    callback_rows = {c["request_id"]: c for c in journal(data, "SELECT * FROM callbacks")}
    for shot in shots:
        assert (shot["upload_state"], shot["notify_state"]) == ("uploaded", "delivered")
        assert shot["upload_location"] == f"s3://{bucket.bucket}/{shot['object_key']}"
        assert by_request[shot["request_id"]]["object"] == shot["object_key"]
        assert callback_rows[shot["request_id"]]["shot_id"] == shot["id"]
        assert callback_rows[shot["request_id"]]["checksum_ok"] == 1
        attempts = journal(data, f"SELECT * FROM attempts WHERE shot_id = {shot['id']}")
        assert [(a["request_id"], a["status"], a["ok"]) for a in attempts] == [
            (shot["request_id"], 200, 1)
        ]


# -- the rest of the contract ------------------------------------------------------------------


def test_stdout_is_only_json_and_progress_goes_to_stderr(tmp_path: Path) -> None:
    run = run_main(*headless(tmp_path / "d", "--source", "synthetic", "--count", "1"))
    assert run.status == 0, run.stderr
    assert {e["event"] for e in run.events} >= CONTRACT_EVENTS
    [shot] = run.named("shot_captured")
    assert (shot["width"], shot["height"]) == (1280, 720)
    stored = tmp_path / "d" / "storage" / shot["object"]
    assert stored.read_bytes()[:3] == b"\xff\xd8\xff"
    assert "capturing test pattern 1280x720" in run.stderr
    assert f"shot  {shot['object']}" in run.stderr
    assert "notified (code 200, attempt 1)" in run.stderr
    assert "{" not in run.stderr  # no JSON on stderr


def test_events_can_go_to_a_file_and_local_runs_need_no_aws_settings(tmp_path: Path) -> None:
    events_file = tmp_path / "events.jsonl"
    args = headless(tmp_path / "d", "--source", "synthetic", "--count", "1")
    args[args.index("-")] = str(events_file)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    done = subprocess.run(
        command(*args),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert {e["event"] for e in parse_events(events_file.read_text())} >= CONTRACT_EVENTS


def test_a_notification_that_finally_fails_exits_1(tmp_path: Path) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/callback"  # nothing listens there
    run = run_main(
        *headless(tmp_path / "d", "--source", "synthetic", "--count", "1"),
        "--callback-url",
        nobody,
    )
    assert run.status == 1
    attempts = run.named("notify_attempt")
    assert [(a["attempt"], a["ok"], a["status"]) for a in attempts] == [
        (1, False, None),
        (2, False, None),
        (3, False, None),
    ]
    assert all(a["error"].startswith("cannot connect") for a in attempts)
    [failed] = run.named("notify_failed")
    assert failed["attempts"] == 3
    assert run.named("callback_received") == []
    assert "NOTIFICATION FAILED after 3 attempts" in run.stderr
    [shot] = journal(tmp_path / "d", "SELECT notify_state, callback_url FROM shots")
    assert shot == {"notify_state": "failed", "callback_url": nobody}


# -- bad command lines: exit 2, one line naming the field, never a traceback ---------------------


@pytest.fixture(scope="module")
def bad_runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every bad command line below, run at the same time (each process mostly imports)."""
    tmp = tmp_path_factory.mktemp("bad")
    with ThreadPoolExecutor(max_workers=len(BAD_FLAGS)) as pool:
        futures = {
            name: pool.submit(
                subprocess.run,
                command("--headless", "--data-dir", str(tmp / name), "--webhook-port", "0", *argv),
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT_S,
            )
            for name, (argv, _) in BAD_FLAGS.items()
        }
        return {name: future.result() for name, future in futures.items()}


BAD_FLAGS = {
    "interval": (
        ["--interval", "0"],
        "shothook: --interval: whole seconds from 1 to 3600 (got '0')",
    ),
    "uid": (["--uid", "0"], "shothook: --uid: a whole number from 1 to 4294967295"),
    "channel": (["--channel", "a/b"], "shothook: --channel: only letters, digits, space and"),
    "prefix": (["--prefix", "a//b"], "shothook: --prefix: parts joined by '/'"),
    "unknown": (["--no-such-flag"], "shothook: unrecognized arguments: --no-such-flag"),
    "source": (
        ["--source", "/no/such/video.mp4", "--count", "1"],
        "shothook: --source: must be 'synthetic', a camera index",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FLAGS))
def test_bad_command_line_exits_2_with_one_line_naming_the_field(
    bad_runs: dict[str, subprocess.CompletedProcess[str]], case: str
) -> None:
    done = bad_runs[case]
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(BAD_FLAGS[case][1]), lines[0]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["--events", "{tmp}/no/such/folder/events.jsonl"],
            "shothook: --events: a file that can be written, or - for stdout",
        ),
        (["--data-dir", "{tmp}/a-file/sub"], "shothook: --data-dir: a folder ShotHook can create"),
        (["--count", "0"], "shothook: --count: a whole number of rounds, 1 or more"),
        (["--drain-timeout", "nan"], "shothook: --drain-timeout: a number of seconds, 0 or more"),
    ],
)
def test_unusable_output_places_exit_2_naming_the_flag(
    tmp_path: Path, argv: list[str], expected: str
) -> None:
    """In process (these fail before anything starts): files and folders that cannot be used."""
    (tmp_path / "a-file").write_text("not a folder")
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in argv]
    if "--data-dir" not in argv:
        argv += ["--data-dir", str(tmp_path / "d")]
    stderr = io.StringIO()
    status = headless_mode.run(parse_args(["--headless", "--source", "synthetic", *argv]), stderr)
    assert status == 2
    lines = stderr.getvalue().splitlines()
    assert len(lines) == 1, stderr.getvalue()
    assert lines[0].startswith(expected), lines[0]


# -- signals -----------------------------------------------------------------------------------


def read_events_until(stream: IO[str], name: str) -> Iterator[dict[str, Any]]:
    for line in stream:
        event = json.loads(line)
        yield event
        if event["event"] == name:
            return
    raise AssertionError(f"stdout ended before a {name!r} event")


@contextmanager
def started(*args: str) -> Iterator[subprocess.Popen[str]]:
    """main.py running in the background with stdout and stderr piped; killed if still running
    when the test ends (a failed test must not leave it behind)."""
    process = subprocess.Popen(
        command(*args), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    with process:
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_without_count_stops_cleanly_with_exit_0(tmp_path: Path, sig: int) -> None:
    with started(*headless(tmp_path / "d", "--source", "synthetic", "--interval", "1")) as process:
        assert process.stdout is not None
        seen = list(read_events_until(process.stdout, "notify_succeeded"))
        process.send_signal(sig)
        rest, stderr = process.communicate(timeout=RUN_TIMEOUT_S)
    assert "Traceback" not in stderr, stderr
    assert process.returncode == 0, stderr
    [stopped] = [e for e in parse_events(rest) if e["event"] == "session_stopped"]
    assert stopped["stuck"] == []
    assert stopped["shots"] == stopped["uploaded"] == stopped["notified"] >= 1
    assert stopped["pending_uploads"] == stopped["pending_notifications"] == 0
    assert [e["event"] for e in seen].count("shot_captured") >= 1
    assert "stopped:" in stderr


# -- the other headless modes ------------------------------------------------------------------


def test_check_storage_against_a_good_bucket_exits_0(
    tmp_path: Path, bucket: StorageSettings, moto: MotoServer
) -> None:
    run = run_main("--check-storage", "--data-dir", str(tmp_path / "d"), *s3_flags(moto, bucket))
    assert run.status == 0, run.stderr
    for step in ("HeadBucket", "PutObject probe", "GetObject probe", "DeleteObject probe"):
        assert f"ok   {step}:" in run.stderr
    assert run.stderr.rstrip().endswith("storage works")


def test_webhook_only_receives_until_stopped(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    with started("--webhook-only", "--data-dir", data, "--webhook-port", "0", "--events", "-") as (
        process
    ):
        assert process.stdout is not None
        [*_, listening] = read_events_until(process.stdout, "webhook_listening")
        url = listening["url"]
        sid = "0123456789abcdef0123456789abcdef"
        body = Notification(
            f"{sid}_1_{'a' * 32}",
            "c",
            1,
            f"20240102/{sid}_c__uid_s_1__uid_e_video_20240102030405006.jpg",
            "20240102030405006",
        ).encode(url)
        request = urllib.request.Request(
            url, data=body, headers={"Content-Type": "application/json;charset=utf-8"}
        )
        with urllib.request.urlopen(request, timeout=RUN_TIMEOUT_S) as reply:
            assert reply.status == 200
            assert json.loads(reply.read())["checksum"] == "verified"
        [*_, received] = read_events_until(process.stdout, "callback_received")
        assert received["checksum_ok"] is True
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=RUN_TIMEOUT_S)
    assert process.returncode == 0, stderr
    assert "webhook only" in stderr
