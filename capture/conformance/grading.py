"""What a scenario ends in: a grade, one sentence saying why, the facts behind it and every
exchange it made."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from capture.conformance.probe import Exchange


class Grade(StrEnum):
    PASS = "pass"
    WARN = "warn"  # works with the real service, but something its owner should know
    FAIL = "fail"  # the real service would count a delivery failed
    SKIP = "skip"  # does not apply to this URL (TLS on an http:// URL)
    ERROR = "error"  # ShotHook itself could not run it: no grade of the webhook at all


@dataclass(frozen=True)
class Verdict:
    grade: Grade
    why: str
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    number: int
    name: str
    title: str
    grade: Grade
    why: str
    seconds: float
    facts: dict[str, Any]
    exchanges: tuple[Exchange, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "name": self.name,
            "title": self.title,
            "grade": str(self.grade),
            "why": self.why,
            "seconds": round(self.seconds, 3),
            "facts": self.facts,
            "exchanges": [x.as_json() for x in self.exchanges],
        }


def passed(why: str, **facts: Any) -> Verdict:
    return Verdict(Grade.PASS, why, facts)


def failed(why: str, **facts: Any) -> Verdict:
    return Verdict(Grade.FAIL, why, facts)


def warned(why: str, **facts: Any) -> Verdict:
    return Verdict(Grade.WARN, why, facts)


def faults(exchanges: Sequence[Exchange]) -> Counter[str]:
    """How often each reason for a failed delivery came up."""
    return Counter(x.fault for x in exchanges if x.fault)


def most_common(exchanges: Sequence[Exchange]) -> str:
    """The faults in a few words, the commonest first: "status 500, expected 200 (x3)"."""
    shown = [f"{fault} (x{n})" if n > 1 else fault for fault, n in faults(exchanges).most_common(3)]
    return "; ".join(shown)


def answered_in(x: Exchange) -> str:
    return f"{x.seconds * 1000:.0f} ms"
