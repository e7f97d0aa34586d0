"""Exchanges as HAR 1.2 (the format browsers' devtools, Charles, Fiddler and Postman import),
written as a stream: the log's head, one entry at a time, its tail, so an export of a long
history holds one page of rows in memory.

Each entry keeps what HAR has a place for: the request (full URL, headers, query string, body
with its MIME type, base64 with `encoding` when not UTF-8), the response (status and reason,
headers, content, Location as redirectURL) and the timings: connect (-1 when no new connection
was timed), ssl (-1: aiohttp times TLS within connect), send 0 (not measured apart), wait
until the first byte, receive the rest. ShotHook's own facts go in the `_shothook` field
(direction, requestId, object key, shot, attempt, peer, error, true sizes of cut bodies).
"""

from __future__ import annotations

import http
import json
from collections.abc import Iterable
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlsplit

from capture.export.fields import Redactor, body_text, full_url, header_value, text
from capture.journal.records import Exchange, Headers, Timing

__all__ = ["CREATOR", "entry", "write_har"]

CREATOR = {"name": "ShotHook", "version": "0.1.0"}


def write_har(exchanges: Iterable[Exchange], out: TextIO, redactor: Redactor) -> int:
    """Write the HAR document to `out`; returns how many entries it holds."""
    head = {"version": "1.2", "creator": CREATOR}
    out.write('{"log": ' + json.dumps(head)[:-1] + ', "entries": [\n')
    count = 0
    for exchange in exchanges:
        out.write((",\n" if count else "") + json.dumps(entry(exchange, redactor)))
        count += 1
    out.write("\n]}}\n")
    return count


def entry(exchange: Exchange, redactor: Redactor) -> dict[str, Any]:
    """One exchange as a HAR entry, secrets redacted."""
    e = exchange
    timings = _timings(e.timing)
    return {
        "startedDateTime": e.at,
        "time": round(sum(v for k, v in timings.items() if k != "ssl" and v > 0), 3),
        "request": _request(e, redactor),
        "response": _response(e, redactor),
        "cache": {},
        "timings": timings,
        "_shothook": {
            "direction": e.direction.value,
            "requestId": e.request_id,
            "objectKey": e.object_key,
            "shotId": e.shot_id,
            "attempt": e.attempt,
            "remote": e.remote,
            "error": redactor.text(e.error),
            "requestSize": e.request_size,
            "responseSize": e.response_size,
        },
    }


def _headers(headers: Headers) -> list[dict[str, str]]:
    return [{"name": text(n), "value": text(v)} for n, v in headers]


def _request(e: Exchange, redactor: Redactor) -> dict[str, Any]:
    url = redactor.text(full_url(e))
    headers = redactor.headers(e.request_headers)
    request: dict[str, Any] = {
        "method": e.method,
        "url": url,
        "httpVersion": e.http_version,
        "cookies": [],
        "headers": _headers(headers),
        "queryString": [
            {"name": n, "value": v}
            for n, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)
        ],
        "headersSize": -1,
        "bodySize": e.request_size,
    }
    if e.request_body or e.request_size:
        body, encoding = body_text(redactor.data(e.request_body))
        mime = header_value(headers, b"content-type") or ""
        request["postData"] = {"mimeType": mime, "params": [], "text": body}
        if encoding:
            request["postData"]["encoding"] = encoding
    return request


def _response(e: Exchange, redactor: Redactor) -> dict[str, Any]:
    headers = redactor.headers(e.response_headers)
    body, encoding = body_text(redactor.data(e.response_body))
    size = e.response_size if e.response_size is not None else len(e.response_body)
    content: dict[str, Any] = {
        "size": size,
        "mimeType": header_value(headers, b"content-type") or "",
        "text": body,
    }
    if encoding:
        content["encoding"] = encoding
    status = e.status or 0  # HAR's "no answer"
    return {
        "status": status,
        "statusText": _reason(status),
        "httpVersion": e.http_version if e.status else "",
        "cookies": [],
        "headers": _headers(headers),
        "content": content,
        "redirectURL": redactor.text(header_value(headers, b"location") or ""),
        "headersSize": -1,
        "bodySize": size if e.status else -1,
    }


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _timings(t: Timing) -> dict[str, float]:
    """HAR's phases from ours: connect, then wait until the first byte, receive the rest (the
    phases add up to the total; -1 for what was not measured)."""
    total = max(t.total_ms or 0.0, 0.0)
    connect = t.connect_ms if t.connect_ms is not None else -1.0
    before = max(connect, 0.0)
    first = t.first_byte_ms if t.first_byte_ms is not None else total
    wait = max(min(first, total) - before, 0.0)
    receive = max(total - before - wait, 0.0)
    return {
        "blocked": -1.0,
        "dns": -1.0,
        "connect": round(connect, 3),
        "ssl": round(t.tls_ms, 3) if t.tls_ms is not None else -1.0,
        "send": 0.0,
        "wait": round(wait, 3),
        "receive": round(receive, 3),
    }
