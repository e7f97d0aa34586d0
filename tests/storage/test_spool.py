"""The spool's clean-up at start: half-written files go, images stay, even those no journal
row names (they may be the waiting shots of a journal moved aside)."""

from __future__ import annotations

from pathlib import Path

from capture.storage.spool import Spool


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
