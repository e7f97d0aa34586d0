"""The words the terminal, shothook.log and the window show for each event: one line per
golden event (tests/events/golden.jsonl, same order), empty where an event is not told."""

from __future__ import annotations

from pathlib import Path

from capture.cli import wording
from tests.events.test_golden import golden_events

GOLDEN_WORDS = Path(__file__).with_name("golden_words.txt")


def test_every_golden_event_is_worded_as_the_golden_words() -> None:
    worded = [wording.line(event) for event in golden_events()]
    assert worded == GOLDEN_WORDS.read_text(encoding="utf-8").split("\n")[:-1]
