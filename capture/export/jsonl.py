"""Exchanges as JSON lines: one exchange a line, every field the journal holds (bodies as text,
base64 with their encoding named when not UTF-8), secrets redacted. For scripts and jq."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from capture.export.fields import Redactor, body_text, full_url, text
from capture.journal.records import Exchange, Headers

__all__ = ["line", "write_jsonl"]


def write_jsonl(exchanges: Iterable[Exchange], out: TextIO, redactor: Redactor) -> int:
    count = 0
    for exchange in exchanges:
        out.write(json.dumps(line(exchange, redactor), ensure_ascii=False) + "\n")
        count += 1
    return count


def line(e: Exchange, redactor: Redactor) -> dict[str, Any]:
    """One exchange as a JSON object."""
    t = e.timing
    return {
        "id": e.id,
        "direction": e.direction.value,
        "at": e.at,
        "shotId": e.shot_id,
        "requestId": e.request_id,
        "objectKey": e.object_key,
        "attempt": e.attempt,
        "remote": e.remote,
        "method": e.method,
        "url": redactor.text(full_url(e)),
        "httpVersion": e.http_version,
        "request": _part(e.request_headers, e.request_body, e.request_size, redactor),
        "status": e.status,
        "response": _part(e.response_headers, e.response_body, e.response_size, redactor),
        "error": redactor.text(e.error),
        "timing": {
            "totalMs": t.total_ms,
            "connectMs": t.connect_ms,
            "tlsMs": t.tls_ms,
            "firstByteMs": t.first_byte_ms,
        },
    }


def _part(headers: Headers, body: bytes, size: int | None, redactor: Redactor) -> dict[str, Any]:
    shown, encoding = body_text(redactor.data(body))
    return {
        "headers": [[text(n), text(v)] for n, v in redactor.headers(headers)],
        "body": shown,
        "bodyEncoding": encoding or "utf-8",
        "size": size,
        "truncated": size is not None and size > len(body),
    }
