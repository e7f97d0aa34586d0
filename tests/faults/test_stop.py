"""Stopping while the storage never answers: an S3 endpoint that accepts the connection, reads
the PUT and stays silent (boto3 would wait 10 s x 3 attempts). Stopping must not wait for it:
every loop ends at once, the shot stays pending in the journal and the spool, and the next
session uploads it, once. The same for a webhook host name whose DNS lookup never ends.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from capture import events
from capture.delivery.abandonable import Abandoned, Helper
from capture.delivery.notifier import STOP_GRACE_S
from capture.engine import Engine
from capture.paths import DataDir
from capture.runtime import StopToken, ThreadWorker
from capture.settings.model import CallbackSettings, CaptureSettings, Settings, StorageSettings
from tests.support.engine import query, running_engine, start_synthetic, synthetic_settings
from tests.support.events import EventLog
from tests.support.loopback import HoldingProxy, SilentServer, join_abandoned_calls
from tests.support.notify import Harness
from tests.support.processes import ROOT, LineReader, headless_process
from tests.support.s3 import clean_aws_env, s3_client, versions_per_key
from tests.support.servers import MotoServer

WAIT_S = 30.0
STOP_BOUND_S = 5.0  # stopping must end every loop within this (a hung put alone takes ~30 s)
HUNG_HOST = "dns-never-answers.test"


def start_with_a_frame(engine: Engine) -> None:
    """The test pattern and the embedded webhook, with a first frame in the slot (so the
    session's first tick is a shot, not a 206, on a busy machine)."""
    start_synthetic(engine)
    assert engine.slot.wait_newer(-1, WAIT_S) is not None


# -- the helper a loop makes its blocking calls on ---------------------------------------------


def test_a_helper_call_returns_its_result_or_raises_its_error() -> None:
    helper = Helper("test")
    stop = StopToken()
    assert helper.call(lambda: 41 + 1, stop, "a sum") == 42

    def fail() -> int:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        helper.call(fail, stop, "a failure")
    assert helper.close()


def test_a_helper_call_is_abandoned_when_the_token_is_set_and_its_late_result_dropped() -> None:
    helper = Helper("test")
    stop = StopToken()
    entered, release = threading.Event(), threading.Event()
    finished: list[str] = []

    def blocked() -> str:
        entered.set()
        release.wait(WAIT_S)
        finished.append("done")
        return "late"

    def stop_once_entered() -> None:
        if entered.wait(WAIT_S):
            stop.set()

    threading.Thread(target=stop_once_entered, name="stopper").start()
    with pytest.raises(Abandoned) as abandoned:
        helper.call(blocked, stop, "a blocked call")
    assert abandoned.value.started
    assert helper.close()  # the abandoned call's thread is no longer the helper's
    release.set()
    assert join_abandoned_calls(WAIT_S) == []
    assert finished == ["done"]
    with pytest.raises(Abandoned) as not_begun:  # a set token: the call is not even made
        helper.call(lambda: finished.append("again"), stop, "after the stop")
    assert not not_begun.value.started
    assert finished == ["done"]


# -- a session stopped while its upload hangs ----------------------------------------------------


def test_stop_while_an_upload_hangs_ends_every_loop_and_the_shot_resumes_once(
    data_dir: DataDir, versioned: StorageSettings, silent: SilentServer
) -> None:
    log = EventLog()
    with running_engine(data_dir, log) as engine:
        start_with_a_frame(engine)
        hanging = replace(versioned, endpoint=silent.endpoint)
        engine.start_session(synthetic_settings(hanging), count=1, upload_workers=1)
        [shot] = log.wait_count(events.SHOT_CAPTURED, 1, WAIT_S)
        put = silent.wait_for_request("PUT", WAIT_S)
        assert str(shot["object"]) in put

        assert engine.stop_session(STOP_BOUND_S) == []  # no loop still running

        [stopped] = log.named(events.SESSION_STOPPED)
        assert stopped["pending_uploads"] == 1 and stopped["uploaded"] == 0
        [warning] = log.named(events.WARNING)
        assert warning["shot_id"] == shot["shot_id"]
        assert "abandoned" in str(warning["message"])
        assert "uploaded on the next start" in str(warning["message"])
        [row] = query(
            data_dir, "SELECT upload_state, spool_path FROM shots WHERE id = ?", shot["shot_id"]
        )
        assert row["upload_state"] == "pending"
        assert (data_dir.root / row["spool_path"]).is_file()  # journaled relative to the folder
        silent.stop()  # the abandoned put now fails in the background (ignored)
        assert join_abandoned_calls(WAIT_S) == []

        resumed = engine.start_session(synthetic_settings(versioned), count=1)
        assert resumed.drain(WAIT_S)
        engine.stop_session()

    uploads = [f["shot_id"] for f in log.named(events.UPLOAD_SUCCEEDED)]
    assert uploads.count(shot["shot_id"]) == 1
    notified = [f["shot_id"] for f in log.named(events.NOTIFY_SUCCEEDED)]
    assert notified.count(shot["shot_id"]) == 1
    assert versions_per_key(versioned.endpoint, versioned.bucket)[str(shot["object"])] == 1
    [row] = query(data_dir, "SELECT upload_state FROM shots WHERE id = ?", shot["shot_id"])
    assert row["upload_state"] == "uploaded"


# -- a notification in flight to a webhook that never answers ------------------------------------


def test_stop_while_a_notification_hangs_ends_every_loop_and_it_is_sent_again(
    data_dir: DataDir, silent: SilentServer
) -> None:
    log = EventLog()
    with running_engine(data_dir, log) as engine:
        start_with_a_frame(engine)
        local = Settings(capture=CaptureSettings(source="synthetic", interval=1))
        wedged = replace(local, callback=CallbackSettings(url=f"{silent.endpoint}/callback"))
        engine.start_session(wedged, count=1)
        [shot] = log.wait_count(events.UPLOAD_SUCCEEDED, 1, WAIT_S)
        silent.wait_for_request("POST", WAIT_S)

        assert engine.stop_session(STOP_BOUND_S) == []  # the notifier did not wait 3 x 5 s

        [row] = query(data_dir, "SELECT notify_state FROM shots WHERE id = ?", shot["shot_id"])
        assert row["notify_state"] == "sending"
        resumed = engine.start_session(local, count=1)  # to the embedded webhook this time
        assert resumed.drain(WAIT_S)
        engine.stop_session()

    notified = [f["shot_id"] for f in log.named(events.NOTIFY_SUCCEEDED)]
    assert notified.count(shot["shot_id"]) == 1
    [row] = query(data_dir, "SELECT notify_state FROM shots WHERE id = ?", shot["shot_id"])
    assert row["notify_state"] == "delivered"


def silent_s3_flags(data: Path, silent: SilentServer) -> list[str]:
    """Flags for a run on the test pattern, 1 s apart, storing to the endpoint that never
    answers."""
    flags = ["--source", "synthetic", "--interval", "1", "--data-dir", str(data)]
    flags += ["--webhook-port", "0", "--s3-endpoint", silent.endpoint]
    return [*flags, "--bucket", "shots", "--region", "us-east-1"]


# -- headless: a signal while the upload hangs ---------------------------------------------------


def test_headless_sigterm_while_an_upload_hangs_exits_1_promptly_saying_what_stays(
    tmp_path: Path, silent: SilentServer
) -> None:
    data = tmp_path / "data"
    args = silent_s3_flags(data, silent)
    with headless_process(args, env=clean_aws_env()) as process:
        silent.wait_for_request("PUT", WAIT_S)
        process.send_signal(signal.SIGTERM)
        # SIGNAL_DRAIN_S (5 s) for in-flight work to finish, then the stop itself: well within
        # this bound, where waiting for the hung put would take ~30 s more.
        code = process.wait(WAIT_S)
    stderr = "".join(process.err.lines)
    assert code == 1, stderr
    assert "Traceback" not in stderr
    assert "still running at exit" not in stderr
    assert "the upload was abandoned" in stderr
    assert "upload(s) and 0 notification(s) unfinished" in stderr
    assert "stopped by a signal" in stderr
    assert "resume on the next start" in stderr
    [row] = query(DataDir.resolve(data), "SELECT COUNT(*) FROM shots WHERE upload_state='pending'")
    assert row[0] >= 1


# -- the window: a signal while the upload hangs ---------------------------------------------------


def test_window_sigterm_while_an_upload_hangs_closes_every_thread_and_exits_0(
    tmp_path: Path, silent: SilentServer
) -> None:
    data = tmp_path / "data"
    env = {
        **os.environ,
        **clean_aws_env(),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    command = [
        sys.executable,
        str(ROOT / "main.py"),
        "--autostart",
        *silent_s3_flags(data, silent),
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    err = LineReader(process.stderr)
    try:
        silent.wait_for_request("PUT", WAIT_S)
        process.send_signal(signal.SIGTERM)  # closes the window as its close button does
        code = process.wait(WAIT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(WAIT_S)
        stderr = err.join()
        assert process.stdout is not None
        process.stdout.close()
    log = DataDir.resolve(data).log.read_text(encoding="utf-8")
    assert code == 0, stderr + log
    assert "still running at exit" not in log + stderr
    assert "the upload was abandoned" in log
    assert "closed in" in log


# -- an abandoned upload that gets through after all ---------------------------------------------


def test_an_abandoned_upload_that_lands_later_is_put_again_same_key_same_bytes(
    data_dir: DataDir,
    versioned: StorageSettings,
    moto: MotoServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """moto stores the PUT but its answer is held until after the stop: the session abandons
    the upload, the shot stays pending, and the next session puts it again. That second PUT
    writes the same bytes under the same key (a versioned bucket shows two equal versions);
    the shot is still uploaded and notified once as far as the journal and events go."""
    log = EventLog()
    caplog.set_level(logging.INFO, logger="shothook")
    with HoldingProxy(moto.port) as proxy, running_engine(data_dir, log) as engine:
        start_with_a_frame(engine)
        held = replace(versioned, endpoint=proxy.endpoint)
        engine.start_session(synthetic_settings(held), count=1, upload_workers=1)
        [shot] = log.wait_count(events.SHOT_CAPTURED, 1, WAIT_S)
        assert proxy.holding.wait(WAIT_S), "moto's answer to the PUT never came"
        assert engine.stop_session(STOP_BOUND_S) == []
        [row] = query(data_dir, "SELECT upload_state FROM shots WHERE id = ?", shot["shot_id"])
        assert row["upload_state"] == "pending"
        proxy.release()
        assert join_abandoned_calls(WAIT_S) == []
        assert "abandoned when its loop stopped, has now ended: it succeeded" in caplog.text

        resumed = engine.start_session(synthetic_settings(versioned), count=1)
        assert resumed.drain(WAIT_S)
        engine.stop_session()

    key = str(shot["object"])
    client = s3_client(versioned.endpoint)
    try:
        listing = client.list_object_versions(Bucket=versioned.bucket, Prefix=key)
    finally:
        client.close()
    versions = [v for v in listing["Versions"] if v["Key"] == key]
    assert len(versions) == 2  # the abandoned PUT and the resumed one
    assert versions[0]["ETag"] == versions[1]["ETag"]  # the same bytes
    uploads = [f["shot_id"] for f in log.named(events.UPLOAD_SUCCEEDED)]
    assert uploads.count(shot["shot_id"]) == 1
    notified = [f["shot_id"] for f in log.named(events.NOTIFY_SUCCEEDED)]
    assert notified.count(shot["shot_id"]) == 1


def test_stop_while_a_webhook_host_name_lookup_hangs_ends_the_notifier_promptly(
    data_dir: DataDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    """asyncio looks host names up on its default executor, and asyncio.run waits for that
    executor's threads without a timeout: a DNS server that never answers held the notifier's
    stop until the resolver gave up."""
    entered, release = threading.Event(), threading.Event()
    real = socket.getaddrinfo

    def lookup(host: object, *args: object, **kwargs: object) -> object:
        if host != HUNG_HOST:
            return real(host, *args, **kwargs)  # type: ignore[arg-type]
        entered.set()
        release.wait(60)
        raise socket.gaierror(socket.EAI_AGAIN, "the test let the lookup go")

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    harness = Harness(data_dir)
    worker = ThreadWorker("notify", harness.notifier)
    worker.start()
    try:
        job = harness.submit(f"http://{HUNG_HOST}/callback")
        assert entered.wait(WAIT_S), "the sender never looked the host up"
        began = time.monotonic()
        worker.request_stop()
        ended = worker.join(STOP_GRACE_S + 3.0)
        took = time.monotonic() - began
        assert ended, f"the notifier still runs {took:.1f} s after stop"
        assert took < STOP_GRACE_S + 1.0
        state = query(data_dir, "SELECT notify_state FROM shots WHERE id = ?", job.shot_id)
        assert [tuple(r) for r in state] == [("sending",)]  # sent again on the next start
    finally:
        release.set()
        worker.join(5.0)
        harness.journal.close()


@pytest.mark.parametrize("drain", ["86400", "60"])  # a day: the longest it takes
def test_a_signal_during_the_final_drain_ends_it_within_its_5_seconds(
    tmp_path: Path, drain: str
) -> None:
    """Storage down and --count done: the run waits for its uploads; SIGTERM ends that wait
    within 5 s, whatever --drain-timeout says (it used to wait it out)."""
    unreachable = socket.socket()
    unreachable.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    port = unreachable.getsockname()[1]
    args = ["--data-dir", str(tmp_path / "data"), "--webhook-port", "0"]
    args += ["--source", "synthetic", "--interval", "1", "--count", "1"]
    args += ["--s3-endpoint", f"http://127.0.0.1:{port}", "--bucket", "shots"]
    args += ["--region", "us-east-1", "--drain-timeout", drain]
    env = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    try:
        with headless_process(args, env=env) as process:
            process.err.wait_for(
                lambda lines: any("upload failed (try 3)" in line for line in lines),
                60,
                "a third failed upload (3 s after the shot), so the run is in its final wait",
            )
            signalled = time.monotonic()
            process.send_signal(signal.SIGTERM)
            process.wait(30)  # without the fix: never (inf) or 60 s
            took = time.monotonic() - signalled
            stderr = process.err.join()
    finally:
        unreachable.close()
    assert process.returncode == 1, stderr  # a shot left unfinished in the spool
    assert "unfinished" in stderr and "resume on the next start" in stderr, stderr
    assert "Traceback" not in stderr
    assert took < 20, f"the run took {took:.1f} s to end after SIGTERM"
