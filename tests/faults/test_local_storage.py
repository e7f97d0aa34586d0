"""A storage folder nobody can write to pauses uploads with advice instead of retrying forever
as if it were a passing failure; a full one is retried, since space comes back by itself."""

from __future__ import annotations

import errno
import signal
from pathlib import Path

import pytest

from capture.errors import StorageError
from capture.storage.local import LocalStorage
from tests.support.mounts import remount_read_only, tmpfs
from tests.support.processes import headless_process, json_lines

KEY = "20261202/shot.jpg"


def put_error(storage: LocalStorage) -> StorageError:
    with pytest.raises(StorageError) as caught:
        storage.put(KEY, b"\xff\xd8jpeg\xff\xd9")
    return caught.value


def fill(folder: Path) -> None:
    """Writes into `folder` until its file system has no block left."""
    with open(folder / "filler", "wb", buffering=0) as filler, pytest.raises(OSError) as full:
        while True:
            filler.write(b"\0" * 4096)
    assert full.value.errno == errno.ENOSPC


def test_a_read_only_file_system_is_not_retried(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro") as folder:
        remount_read_only(folder)
        error = put_error(LocalStorage(folder))
    assert (error.retryable, error.code) == (False, "EROFS")
    assert "read-only" in error.advice


def test_a_path_through_a_file_is_not_retried(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("a file where a folder should be")
    error = put_error(LocalStorage(tmp_path / "not-a-folder" / "shots"))
    assert (error.retryable, error.code) == (False, errno.errorcode[errno.ENOTDIR])


def test_a_full_file_system_is_retried(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", size="64k") as folder:
        fill(folder)
        error = put_error(LocalStorage(folder))
    assert (error.retryable, error.code) == (True, "ENOSPC")


def test_a_storage_folder_turned_read_only_mid_run_pauses_uploads_with_advice(
    tmp_path: Path,
) -> None:
    with tmpfs(tmp_path / "shots") as folder:
        args = ["--data-dir", str(tmp_path / "data"), "--webhook-port", "0", "--events", "-"]
        args += ["--source", "synthetic", "--interval", "1", "--storage-dir", str(folder)]
        with headless_process(args) as process:
            process.err.wait_for(
                lambda lines: any("stored" in line for line in lines), 30, "a first stored shot"
            )
            remount_read_only(folder)  # the disk went read-only under the running session
            process.err.wait_for(
                lambda lines: any("UPLOADS PAUSED" in line for line in lines), 30, "the pause"
            )
            process.send_signal(signal.SIGTERM)
            process.wait(30)
            stdout = process.out.join()
            stderr = process.err.join()
    events = json_lines(stdout.splitlines())
    paused = [e for e in events if e["event"] == "uploads_paused"]
    assert paused and "read-only" in paused[0]["advice"]
    failed = [e for e in events if e["event"] == "upload_failed"]
    assert len(failed) <= 2, failed  # paused: not one retry after another until the end
    assert "Traceback" not in stderr


def test_a_read_only_storage_folder_is_refused_at_start(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro") as folder:
        remount_read_only(folder)
        args = ["--data-dir", str(tmp_path / "data"), "--webhook-port", "0"]
        args += ["--source", "synthetic", "--count", "1", "--storage-dir", str(folder)]
        with headless_process(args) as process:
            process.wait(60)
            stderr = process.err.join()
    assert process.returncode == 2, stderr
    assert stderr.startswith("shothook: --storage-dir:"), stderr
