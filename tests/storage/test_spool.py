"""The spool's clean-up at start removes only files no journal row could still want."""

from __future__ import annotations

from pathlib import Path

from capture.storage.spool import Spool


def test_orphans_go_but_a_file_the_journal_names_from_another_folder_stays(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    wanted = spool.write("20261202/wanted.jpg", b"\xff\xd8wanted\xff\xd9")
    orphan = spool.write("20261202/orphan.jpg", b"\xff\xd8orphan\xff\xd9")
    # The journal still names the file where the data folder used to be (before a move).
    known = {f"/old/place/data/spool/{wanted.name}"}
    assert spool.remove_orphans(known) == 1
    assert wanted.is_file()
    assert not orphan.exists()
