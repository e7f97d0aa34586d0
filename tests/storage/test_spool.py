"""The spool's clean-up at start: half-written files go, images stay, even those no journal
row names (they may be the waiting shots of a journal moved aside); the uploaded images it keeps
for the window stay within their bound while a session runs and after a start, the oldest
deleted first."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from pathlib import Path

from capture import events
from capture.cli import headless
from capture.cli.exits import Exit
from capture.cli.flags import parse_args
from capture.events import Event
from capture.paths import DataDir
from capture.settings.model import StorageSettings
from capture.storage.spool import Spool
from tests.support.engine import query, running_engine, start_synthetic, synthetic_settings
from tests.support.events import EventLog
from tests.support.waits import WAIT_S


def test_half_written_files_go_and_every_image_stays(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    wanted = spool.write("20261202/wanted.jpg", b"\xff\xd8wanted\xff\xd9")
    unnamed = spool.write("20261202/unnamed.jpg", b"\xff\xd8unnamed\xff\xd9")
    partial = spool.folder / "crashed.partial"
    partial.write_bytes(b"\xff\xd8half")
    # The journal still names the file where the data folder used to be (before a move).
    known = {f"/old/place/data/spool/{wanted.name}"}
    assert spool.clean_up(known) == [unnamed]
    assert wanted.is_file() and unnamed.is_file()
    assert not partial.exists()


# -- the bound on kept images -------------------------------------------------------------------

SHOT = b"\xff\xd8" + b"x" * 98 + b"\xff\xd9"  # 102 bytes


def test_kept_images_stay_within_the_bound_oldest_shot_deleted_first(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", keep_uploaded_bytes=3 * len(SHOT))
    paths = {n: spool.write(f"day/shot-{n}.jpg", SHOT) for n in range(1, 7)}
    trimmed: list[int] = []
    for shot_id in (2, 1, 3, 5, 4, 6):  # several workers finish out of order
        trimmed += spool.keep(shot_id, str(paths[shot_id]), len(SHOT))
        assert spool.kept_bytes <= spool.keep_uploaded_bytes
    assert trimmed == [1, 2, 3]  # shot 1 went first although stored second
    assert [n for n, path in paths.items() if path.exists()] == [4, 5, 6]


def test_counting_kept_images_from_the_journal_trims_what_a_killed_run_left(
    tmp_path: Path,
) -> None:
    spool = Spool(tmp_path / "spool", keep_uploaded_bytes=2 * len(SHOT))
    paths = {n: spool.write(f"day/shot-{n}.jpg", SHOT) for n in range(1, 5)}
    paths[1].unlink()  # gone already (retention, a crash mid-trim): no harm
    uploaded = [(n, str(path), len(SHOT)) for n, path in paths.items()]
    assert spool.count_kept(uploaded) == [1, 2]
    assert spool.kept_bytes == 2 * len(SHOT)
    assert [n for n, path in paths.items() if path.exists()] == [3, 4]


def test_no_kept_images_with_a_bound_of_0(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", keep_uploaded_bytes=0)
    path = spool.write("day/shot.jpg", SHOT)
    assert spool.keep(7, str(path), len(SHOT)) == [7]
    assert not path.exists() and spool.kept_bytes == 0


class KeptOnDisk:
    """The event sink of a session: as each upload is reported, measures the bytes of the
    uploaded shots' images still in the spool folder (on disk, whatever the spool counts)."""

    def __init__(self, spool_folder: Path) -> None:
        self.log = EventLog()
        self.samples: list[int] = []
        self._path_for = Spool(spool_folder).path_for
        self._uploaded: list[str] = []

    def __call__(self, event: Event) -> None:
        if event.name == events.UPLOAD_SUCCEEDED:
            self._uploaded.append(str(event.fields["object"]))
            self.samples.append(self.kept())
        self.log(event)

    def kept(self) -> int:
        paths = [self._path_for(key) for key in self._uploaded]
        return sum(path.stat().st_size for path in paths if path.exists())


@dataclass(frozen=True)
class ShotFile:
    id: int
    spool_path: str | None  # as journaled
    size: int
    on_disk: bool  # its image is still in the spool folder


def shot_files(data_dir: DataDir) -> list[ShotFile]:
    """Every shot's image, journaled and on disk, oldest first."""
    rows = query(data_dir, "SELECT id, object_key, spool_path, size FROM shots ORDER BY id")
    path_for = Spool(data_dir.spool).path_for
    return [
        ShotFile(r["id"], r["spool_path"], r["size"], path_for(r["object_key"]).exists())
        for r in rows
    ]


def test_a_running_session_keeps_its_uploaded_images_within_the_bound(
    data_dir: DataDir, tmp_path: Path
) -> None:
    bound = 180_000  # about 3.5 shots of the test pattern
    sink = KeptOnDisk(data_dir.spool)
    settings = synthetic_settings(StorageSettings(directory=str(tmp_path / "storage")))
    settings = replace(settings, capture=replace(settings.capture, users=4))
    with running_engine(data_dir, sink, spool_keep_bytes=bound) as engine:
        start_synthetic(engine)
        assert engine.slot.wait_newer(-1, WAIT_S) is not None  # every round has a frame
        # One upload at a time: each upload's trim is done before the next is reported.
        session = engine.start_session(settings, count=4, upload_workers=1)
        assert session.progress.wait_for(lambda p: p.capture_done, WAIT_S)
        assert session.drain(WAIT_S)
        kept_while_running = engine.spool.kept_bytes
        engine.stop_session()

    shots = shot_files(data_dir)
    assert len(shots) == len(sink.samples) == 16  # every shot uploaded, each one measured
    assert max(sink.samples) <= bound + max(s.size for s in shots)  # the one just stored
    kept = [s for s in shots if s.on_disk]
    assert 0 < kept_while_running == sum(s.size for s in kept) <= bound
    assert kept == shots[-len(kept) :]  # the oldest were deleted first
    assert all(s.spool_path for s in kept)
    assert all(s.spool_path is None for s in shots[: -len(kept)])  # forgotten by the journal


def test_the_headless_run_keeps_no_uploaded_image_with_spool_keep_mb_0(tmp_path: Path) -> None:
    data, storage = tmp_path / "data", tmp_path / "storage"
    args = ["--headless", "--source", "synthetic", "--interval", "1", "--count", "2"]
    args += ["--data-dir", str(data), "--storage-dir", str(storage), "--webhook-port", "0"]
    err = io.StringIO()
    assert headless.run(parse_args([*args, "--spool-keep-mb", "0"]), stderr=err) == Exit.OK, err
    shots = shot_files(DataDir.resolve(data))
    assert len(shots) == 2 and not any(s.on_disk or s.spool_path for s in shots)
    assert len(list(storage.rglob("*.jpg"))) == 2  # uploaded, then deleted from the spool
