"""The delivery rule, declared once: what the real service counts as a delivered notification.

An attempt succeeds only when the answer arrives within `DEADLINE_S`, has status exactly 200 and
a body that parses as JSON; anything else (201, 204, `OK` as text, a redirect) is a failure, and
the service sends the notification again at once, `ATTEMPTS` in all. The sender, the load
generator and the conformance suite all judge answers with `answer_fault`.
"""

from __future__ import annotations

import json

ATTEMPTS = 3
DEADLINE_S = 5.0
MAX_ANSWER = 64 * 1024  # bytes of an answer read at most; a larger one fails the attempt


def answer_fault(status: int, body: bytes, *, complete: bool = True) -> str:
    """'' when an answer that came within the deadline counts as delivered, else why not, in
    words ("status 201, expected 200"). `complete` is False when the body went on past
    MAX_ANSWER and was not read to its end."""
    if status != 200:
        return f"status {status}, expected 200"
    if not complete:
        return f"status 200 but the answer is larger than {MAX_ANSWER // 1024} KiB (not read)"
    try:
        json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "status 200 but the body is not JSON"
    except RecursionError:  # valid JSON, perhaps, but a webhook's answer is never this deep
        return "status 200 but the body nests too deeply to read as JSON"
    return ""
