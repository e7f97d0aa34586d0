"""How the embedded webhook answers: the tester-chosen modes (`--webhook-answer`, the window's
webhook tab). Kept apart from capture/webhook.py, which loads aiohttp, so the window and the
command line can name a mode without loading the server (see docs/benchmarks.md, start-up).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from capture.errors import ConfigError

DELAY_MAX_S = 60.0
RULE_ANSWER = "normal, status:CODE (200 to 599), delay:SECONDS (0 to 60), non-json, or drop"


class AnswerKind(StrEnum):
    NORMAL = "normal"  # 200 with a JSON body
    STATUS = "status"  # a fixed status code (JSON body)
    DELAY = "delay"  # wait, then answer normally
    NON_JSON = "non_json"  # 200 with a plain-text body
    DROP = "drop"  # close the connection without answering


@dataclass(frozen=True)
class AnswerMode:
    kind: AnswerKind = AnswerKind.NORMAL
    status: int = 500
    delay_s: float = 6.0
    reject_bad_checksum: bool = False

    @classmethod
    def parse(cls, text: str, *, reject_bad_checksum: bool = False) -> AnswerMode:
        """A mode from its command-line form; raises ConfigError naming the rule."""
        name, _, arg = text.strip().lower().partition(":")
        kind = name.replace("-", "_")
        try:
            if kind in (AnswerKind.NORMAL, AnswerKind.NON_JSON, AnswerKind.DROP) and not arg:
                return cls(AnswerKind(kind), reject_bad_checksum=reject_bad_checksum)
            if kind == AnswerKind.STATUS and 200 <= int(arg) <= 599:
                return cls(
                    AnswerKind.STATUS, status=int(arg), reject_bad_checksum=reject_bad_checksum
                )
            if kind == AnswerKind.DELAY and 0 <= float(arg) <= DELAY_MAX_S:
                return cls(
                    AnswerKind.DELAY, delay_s=float(arg), reject_bad_checksum=reject_bad_checksum
                )
        except ValueError:
            pass
        raise ConfigError("webhook_answer", f"must be {RULE_ANSWER}", text)

    def describe(self) -> str:
        text = {
            AnswerKind.NORMAL: "answer 200 JSON",
            AnswerKind.STATUS: f"answer status {self.status}",
            AnswerKind.DELAY: f"wait {self.delay_s:g} s, then answer 200 JSON",
            AnswerKind.NON_JSON: "answer 200 with a non-JSON body",
            AnswerKind.DROP: "drop the connection without answering",
        }[self.kind]
        return text + ("; 401 on a bad checksum" if self.reject_bad_checksum else "")
