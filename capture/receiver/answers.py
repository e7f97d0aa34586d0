"""How the embedded webhook answers: the tester-chosen modes (`--webhook-answer`, the window's
webhook tab) and the answer each one gives. Kept apart from capture/receiver/webhook.py, which
loads aiohttp, so the window and the command line can name a mode without loading the server
(see docs/benchmarks.md, start-up).

The modes mimic what broken customer webhooks do, so a tester can watch the sender react: a
status code (any from 100 to 599, the same rule in the window and on the command line), a
delay, a plain-text "OK" (the most common real mistake: the spec wants JSON, so the sender
retries), a body of the tester's own (a file's bytes, or typed in the window, with headers),
a dropped connection, or a sequence of statuses answering each delivery of a requestId in
turn (`seq:500,500,200`: a recovery on the third attempt).
"""

from __future__ import annotations

import json
import mimetypes
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from capture.errors import ConfigError
from capture.journal import records

DELAY_MAX_S = 60.0
STATUS_MIN, STATUS_MAX = 100, 599  # every status HTTP defines a class for
SEQUENCE_MAX = 20  # statuses in a sequence: a spec delivery makes 3 attempts
BODY_MAX = 64 * 1024  # bytes of a tester's body: the sender reads no more of an answer
TRACKED_MAX = 10_000  # requestIds a sequence remembers (the oldest are forgotten first)
FIELD = "webhook_answer"
HEADERS_FIELD = "answer_headers"
BODY_FIELD = "answer_body"
RULE_ANSWER = (
    f"normal, text, status:CODE ({STATUS_MIN} to {STATUS_MAX}), delay:SECONDS (0 to"
    f" {DELAY_MAX_S:g}), body:FILE, seq:CODE,CODE,... (at most {SEQUENCE_MAX}), non-json,"
    " or drop"
)
RULE_HEADERS = "one 'Name: value' a line, the name letters, digits and -"
# Headers aiohttp makes from the body itself, or that would break the connection's framing.
FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})

# What the journal's `answered` column holds for an answer never given: declared with the
# journal's records, named here too for the webhook and the window.
DROPPED, ANSWERING, SENDER_GONE = records.DROPPED, records.ANSWERING, records.SENDER_GONE


class AnswerKind(StrEnum):
    NORMAL = "normal"  # 200 with a JSON body
    TEXT = "text"  # 200 text/plain "OK"
    STATUS = "status"  # a fixed status code (JSON body)
    DELAY = "delay"  # wait, then answer normally
    BODY = "body"  # 200 with the tester's bytes and headers
    SEQUENCE = "seq"  # each delivery of a requestId its own status, in turn
    NON_JSON = "non_json"  # 200 with a plain-text body
    DROP = "drop"  # close the connection without answering


_BARE = (AnswerKind.NORMAL, AnswerKind.TEXT, AnswerKind.NON_JSON, AnswerKind.DROP)


@dataclass(frozen=True)
class Answer:
    """What the webhook sends back: `status` (DROPPED: the connection is closed unanswered)
    and `body` (a JSON object, plain text, or bytes sent as `content_type`), with the tester's
    `headers`, at once or after `delay_s`."""

    status: int
    body: dict[str, Any] | str | bytes = ""
    delay_s: float | None = None
    content_type: str = ""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AnswerMode:
    kind: AnswerKind = AnswerKind.NORMAL
    status: int = 500
    delay_s: float = 6.0
    reject_bad_checksum: bool = False
    statuses: tuple[int, ...] = ()  # SEQUENCE
    body: bytes = b""  # BODY
    content_type: str = ""  # BODY, guessed from the body unless a header names it
    headers: tuple[tuple[str, str], ...] = ()  # BODY
    source: str = ""  # BODY: the file it came from ('' when typed)

    @classmethod
    def parse(cls, text: str, *, reject_bad_checksum: bool = False) -> AnswerMode:
        """A mode from its command-line form; raises ConfigError naming the rule."""
        name, _, arg = text.strip().partition(":")
        kind = name.lower().replace("-", "_")
        arg = arg.strip()
        mode: AnswerMode | None = None
        try:
            if kind in _BARE and not arg:
                mode = cls(AnswerKind(kind))
            elif kind == AnswerKind.STATUS:
                mode = cls(AnswerKind.STATUS, status=_status(arg))
            elif kind == AnswerKind.DELAY and 0 <= float(arg) <= DELAY_MAX_S:
                mode = cls(AnswerKind.DELAY, delay_s=float(arg))
            elif kind == AnswerKind.SEQUENCE:
                mode = cls(AnswerKind.SEQUENCE, statuses=_sequence(arg))
            elif kind == AnswerKind.BODY and arg:
                mode = from_file(arg)
        except ValueError:
            pass
        if mode is None:
            raise ConfigError(FIELD, f"must be {RULE_ANSWER}", text)
        return replace(mode, reject_bad_checksum=reject_bad_checksum)

    def describe(self) -> str:
        if self.kind is AnswerKind.BODY:
            text = self._describe_body()
        elif self.kind is AnswerKind.SEQUENCE:
            text = self._describe_sequence()
        else:
            text = {
                AnswerKind.NORMAL: "answer 200 JSON",
                AnswerKind.TEXT: 'answer 200 text/plain "OK" (not JSON: the sender retries)',
                AnswerKind.STATUS: f"answer status {self.status}",
                AnswerKind.DELAY: f"wait {self.delay_s:g} s, then answer 200 JSON",
                AnswerKind.NON_JSON: "answer 200 with a non-JSON body",
                AnswerKind.DROP: "drop the connection without answering",
            }[self.kind]
        return text + ("; 401 on a bad checksum" if self.reject_bad_checksum else "")

    def _describe_body(self) -> str:
        where = f"the bytes of {self.source}" if self.source else "the body typed"
        extra = f" and {len(self.headers)} header(s)" if self.headers else ""
        return f"answer 200 with {where} ({self.content_type}, {len(self.body)} bytes){extra}"

    def _describe_sequence(self) -> str:
        codes = ", ".join(str(s) for s in self.statuses) or "200"
        last = self.statuses[-1] if self.statuses else 200
        return f"answer each delivery of a requestId in turn: {codes} (then {last} again)"


def _status(text: str) -> int:
    if not re.fullmatch(r"[0-9]{3}", text) or not STATUS_MIN <= int(text) <= STATUS_MAX:
        raise ValueError(text)
    return int(text)


def _sequence(text: str) -> tuple[int, ...]:
    parts = [part.strip() for part in text.split(",")]
    if not 1 <= len(parts) <= SEQUENCE_MAX:
        raise ValueError(text)
    return tuple(_status(part) for part in parts)


def from_file(path: str) -> AnswerMode:
    """body:FILE: the file's bytes, read now (a file that cannot be read is the flag's error,
    before anything runs), its content type guessed from its name, else from its bytes."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        rule = f"body:FILE must name a file that can be read ({exc.strerror or exc})"
        raise ConfigError(FIELD, rule, path) from None
    if len(data) > BODY_MAX:
        rule = f"body:FILE must be at most {BODY_MAX // 1024} KiB; this is {len(data)} bytes"
        raise ConfigError(FIELD, rule, path)
    guessed, _ = mimetypes.guess_type(path)
    content_type = guessed or sniffed(data)
    return AnswerMode(AnswerKind.BODY, body=data, content_type=content_type, source=path)


def typed(body: str, headers: str, *, reject_bad_checksum: bool = False) -> AnswerMode:
    """A body and headers typed in the window; a Content-Type header wins over the guess."""
    data = body.encode("utf-8")
    if len(data) > BODY_MAX:
        raise ConfigError(BODY_FIELD, f"at most {BODY_MAX // 1024} KiB; this is {len(data)} bytes")
    parsed = parse_headers(headers)
    named = [value for name, value in parsed if name.lower() == "content-type"]
    return AnswerMode(
        AnswerKind.BODY,
        body=data,
        content_type=named[-1] if named else sniffed(data),
        headers=tuple((n, v) for n, v in parsed if n.lower() != "content-type"),
        reject_bad_checksum=reject_bad_checksum,
    )


def sniffed(data: bytes) -> str:
    """A content type for bytes of no known name: JSON, text, or opaque bytes."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return "text/plain; charset=utf-8"
    return "application/json"


def parse_headers(text: str) -> tuple[tuple[str, str], ...]:
    """'Name: value' lines (blank ones skipped) as pairs; ConfigError naming the bad line."""
    found: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if not colon or not re.fullmatch(r"[A-Za-z0-9-]+", name) or not value.isprintable():
            raise ConfigError(HEADERS_FIELD, RULE_HEADERS, line)
        if name.lower() in FRAMING_HEADERS:
            raise ConfigError(HEADERS_FIELD, f"{name} is made from the body itself", line)
        found.append((name, value))
    return tuple(found)


def error_body(message: str, field: str = "") -> dict[str, Any]:
    payload = {"error": message}
    if field:
        payload["field"] = field
    return payload


class Answerer:
    """The mode in force (changeable from any thread) and, for a sequence, how many
    deliveries of each requestId it has answered (a new mode starts the count over)."""

    def __init__(self, mode: AnswerMode | None = None) -> None:
        self._lock = threading.Lock()
        self._mode = mode or AnswerMode()
        self._seen: OrderedDict[str, int] = OrderedDict()

    @property
    def mode(self) -> AnswerMode:
        with self._lock:
            return self._mode

    def set_mode(self, mode: AnswerMode) -> None:
        with self._lock:
            if mode != self._mode:
                self._seen.clear()
            self._mode = mode

    def answer(self, checksum_ok: bool, verdict: str, request_id: str) -> Answer:
        """The answer to a well-formed notification in the mode in force."""
        with self._lock:
            mode = self._mode
            delivery = self._count(request_id) if mode.kind is AnswerKind.SEQUENCE else 1
        if mode.reject_bad_checksum and not checksum_ok:
            return Answer(401, error_body(verdict, "checksum"))
        body: dict[str, Any] = {
            "ok": checksum_ok,
            "requestId": request_id,
            "checksum": "verified" if checksum_ok else "mismatch",
        }
        return _answer(mode, body, delivery)

    def _count(self, request_id: str) -> int:
        """This delivery's number among the requestId's (under the lock)."""
        delivery = self._seen.pop(request_id, 0) + 1
        self._seen[request_id] = delivery
        while len(self._seen) > TRACKED_MAX:
            self._seen.popitem(last=False)
        return delivery


def _answer(mode: AnswerMode, body: dict[str, Any], delivery: int) -> Answer:
    if mode.kind is AnswerKind.STATUS:
        return Answer(mode.status, {**body, "note": "status chosen by tester"})
    if mode.kind is AnswerKind.SEQUENCE:
        statuses = mode.statuses or (200,)
        status = statuses[min(delivery, len(statuses)) - 1]
        note = f"delivery {delivery}: status {status} of the tester's sequence"
        return Answer(status, {**body, "note": note})
    if mode.kind is AnswerKind.TEXT:
        return Answer(200, "OK")
    if mode.kind is AnswerKind.BODY:
        return Answer(200, mode.body, content_type=mode.content_type, headers=mode.headers)
    if mode.kind is AnswerKind.NON_JSON:
        return Answer(200, "OK (not JSON, as chosen by the tester)")
    if mode.kind is AnswerKind.DROP:
        return Answer(DROPPED)
    if mode.kind is AnswerKind.DELAY:
        return Answer(200, body, delay_s=mode.delay_s)
    return Answer(200, body)
