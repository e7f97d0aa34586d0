"""The exit statuses are named once (`Exit`), and README.md's table lists exactly those, so a
script reading the README branches on the codes ShotHook really returns."""

from __future__ import annotations

from pathlib import Path

from capture.cli.exits import Exit

README = Path(__file__).resolve().parents[2] / "README.md"
HEADER = "| exit status |"


def readme_exit_statuses() -> list[int]:
    """The first cell of each row of README's exit status table, in order."""
    lines = README.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(HEADER)]
    assert len(starts) == 1, f"README.md needs exactly one table headed {HEADER!r}"
    codes: list[int] = []
    for line in lines[starts[0] + 2 :]:  # past the header and its --- row
        if not line.startswith("|"):
            break
        codes.append(int(line.split("|")[1].strip().strip("`")))
    return codes


def test_the_readme_lists_exactly_the_exit_statuses_in_order() -> None:
    assert readme_exit_statuses() == [status.value for status in Exit]


def test_exit_statuses_are_distinct_small_codes() -> None:
    """An alias (two names, one code) would hide a status from the README check above."""
    assert len(Exit.__members__) == len(Exit)
    assert all(0 <= status < 126 for status in Exit)  # the shell keeps 126 and up
