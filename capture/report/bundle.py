"""The diagnostic bundle for a support ticket: one zip holding the session's report
(report.html) and its JSON twin (report.json), the log (shothook.log), the settings
(settings.json) and the session's HTTP exchanges (exchanges.jsonl), every file redacted.

Redacted means: Authorization-like header values (`REDACTED_HEADERS`) replaced by `<redacted>`,
URLs without their user:password, any settings field named like a secret replaced, and every
secret the caller knows (the S3 secret key of the window's form or of AWS_SECRET_ACCESS_KEY)
replaced wherever it would appear, in every file. The journal and settings.json never hold the
secret key in the first place; this is the second belt.

The exchanges are written by `exchanges_jsonl` (one JSON object a line, bodies as UTF-8 text,
or base64 when they are not UTF-8); the HAR exporter (capture/export/har.py) will replace it.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from capture.journal.exchanges import Exchange, ExchangeReader, Headers
from capture.paths import DataDir
from capture.report import render_report, write_file
from capture.report.facts import REDACTED, gather, redact_settings, without_credentials

__all__ = ["Bundle", "Redactor", "exchanges_jsonl", "known_secrets", "write_bundle"]

REDACTED_HEADERS = frozenset(
    {b"authorization", b"proxy-authorization", b"cookie", b"set-cookie", b"x-amz-security-token"}
)
MIN_SECRET = 4  # shorter "secrets" would blot out ordinary text
LOG_TAIL_BYTES = 8 * 1024 * 1024  # the newest part of a long log
_HEADER_LINE = re.compile(
    r"(?im)\b((?:proxy-)?authorization|cookie|x-amz-security-token)(\"?\s*[:=]\s*\"?)[^\"\r\n,}]+"
)


@dataclass(frozen=True)
class Bundle:
    path: Path
    names: tuple[str, ...]  # the files in it
    session_id: int  # the newest session it covers
    scope: str  # what it covers, in words ("session 3", or a time range)


class Redactor:
    """Every known secret and credential-like text replaced by `<redacted>`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        found = {s for s in secrets if s and len(s) >= MIN_SECRET}
        self._secrets = sorted(found, key=len, reverse=True)

    def text(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        text = _HEADER_LINE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
        return without_credentials(text)

    def data(self, data: bytes) -> bytes:
        """Bytes with each secret's UTF-8 replaced (the rest of the bytes as they were)."""
        for secret in self._secrets:
            data = data.replace(secret.encode("utf-8"), REDACTED.encode("ascii"))
        return data


def known_secrets(extra: Iterable[str] = ()) -> list[str]:
    """The secrets to scrub: the caller's (the window's secret key) and the environment's."""
    env = [os.environ.get(name, "") for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")]
    return [s for s in (*extra, *env) if s]


def write_bundle(
    data_dir: DataDir,
    ref: str | int,
    target: Path,
    secrets: Sequence[str] = (),
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Bundle:
    """The bundle of session `ref` (an id or `last`), or of the time range [since, until), to
    `target`, whole or not at all; a ConfigError naming --session for a session the journal
    lacks."""
    redact = Redactor(known_secrets(secrets))
    facts = gather(data_dir.journal, ref, since=since, until=until)
    page, twin = render_report(facts)
    if facts.ranged:
        exchanges = exchanges_jsonl(data_dir.journal, None, (facts.since, facts.until))
    else:
        exchanges = exchanges_jsonl(data_dir.journal, facts.session.id)
    files: dict[str, bytes] = {
        "report.html": redact.text(page).encode("utf-8"),
        "report.json": redact.text(twin).encode("utf-8"),
        "exchanges.jsonl": redact.text(exchanges).encode("utf-8"),
        "settings.json": _settings_file(data_dir.settings, redact),
        "shothook.log": _log_file(data_dir.log, redact),
    }
    files["README.txt"] = _readme(facts.scope, files).encode("utf-8")
    write_file(target, _zip(files))
    return Bundle(target, tuple(files), facts.session.id, facts.scope)


def exchanges_jsonl(journal: Path, session_id: int | None, span: tuple[str, str] = ("", "")) -> str:
    """A session's exchanges (None: all, or those of `span`, ISO [since, until) with '' for
    open) in journal order, one JSON object a line, headers redacted."""
    since, until = span
    reader = ExchangeReader(journal)
    try:
        return "".join(
            json.dumps(exchange_json(e)) + "\n"
            for e in reader.iter_exchanges(session_id)
            if e.at >= since and (not until or e.at < until)
        )
    finally:
        reader.close()


def exchange_json(e: Exchange) -> dict[str, Any]:
    t = e.timing
    return {
        "id": e.id,
        "direction": e.direction.value,
        "at": e.at,
        "shot_id": e.shot_id,
        "attempt": e.attempt,
        "request_id": e.request_id,
        "object_key": e.object_key,
        "remote": e.remote,
        "request": {
            "method": e.method,
            "url": without_credentials(e.url),
            "http_version": e.http_version,
            "headers": redact_headers(e.request_headers),
            "body": body_json(e.request_body),
            "size": e.request_size,
        },
        "response": {
            "status": e.status,
            "headers": redact_headers(e.response_headers),
            "body": body_json(e.response_body),
            "size": e.response_size,
        },
        "error": e.error,
        "timing_ms": {
            "total": t.total_ms,
            "connect": t.connect_ms,
            "tls": t.tls_ms,
            "first_byte": t.first_byte_ms,
        },
    }


def redact_headers(headers: Headers) -> list[list[str]]:
    """Header pairs as text (each byte one Latin-1 character, as the journal keeps them), the
    values of REDACTED_HEADERS replaced."""
    return [
        [
            name.decode("latin-1"),
            REDACTED if name.lower() in REDACTED_HEADERS else value.decode("latin-1"),
        ]
        for name, value in headers
    ]


def body_json(body: bytes) -> dict[str, str]:
    """A body as UTF-8 text when it is UTF-8, else base64."""
    try:
        return {"text": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(body).decode("ascii")}


def _settings_file(path: Path, redact: Redactor) -> bytes:
    try:
        raw = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return b"{}\n"
    except (OSError, ValueError) as exc:
        return json.dumps({"unreadable": f"{path.name}: {exc}"}).encode("utf-8")
    data = redact_settings(raw) if isinstance(raw, dict) else {}
    return redact.text(json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _log_file(path: Path, redact: Redactor) -> bytes:
    """The log's newest LOG_TAIL_BYTES, redacted line by line."""
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - LOG_TAIL_BYTES))
            data = fh.read()
    except OSError:
        return b""
    text = data.decode("utf-8", errors="replace")
    return "".join(redact.text(line) for line in _lines(text)).encode("utf-8")


def _lines(text: str) -> Iterator[str]:
    yield from text.splitlines(keepends=True)


def _readme(scope: str, files: dict[str, bytes]) -> str:
    made = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    listing = "\n".join(f"  {name:16} {len(data):>10,} bytes" for name, data in files.items())
    return (
        f"ShotHook diagnostic bundle, {scope}, made {made}.\n"
        "Secrets (the S3 secret key, Authorization and cookie values, URL passwords) are "
        f"replaced by {REDACTED}.\n\n{listing}\n"
    )


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()
