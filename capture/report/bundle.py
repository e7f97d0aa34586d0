"""The diagnostic bundle for a support ticket: one zip holding the session's report
(report.html) and its JSON twin (report.json), the log (shothook.log), the settings
(settings.json) and the session's HTTP exchanges as HAR 1.2 (exchanges.har, written by the
exporter of --export), every file redacted.

Redacted means: credential header values (journal.exchanges.CREDENTIAL_HEADERS) replaced by
`<redacted>`,
URLs without their user:password, any settings field named like a secret replaced, and every
secret the caller knows (the S3 secret key of the window's form or of AWS_SECRET_ACCESS_KEY)
replaced wherever it would appear, in every file. The journal and settings.json never hold the
secret key in the first place; this is the second belt.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from capture.export.fields import Redactor as HarRedactor
from capture.export.har import write_har
from capture.journal.exchanges import REDACTED, ExchangeReader
from capture.paths import DataDir
from capture.report import render_report, write_file
from capture.report.facts import gather, redact_settings, without_credentials

__all__ = ["Bundle", "Redactor", "exchanges_har", "known_secrets", "write_bundle"]

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
    known = known_secrets(secrets)
    redact = Redactor(known)
    facts = gather(data_dir.journal, ref, since=since, until=until)
    page, twin = render_report(facts)
    session_id, span = (
        (None, (facts.since, facts.until)) if facts.ranged else (facts.session.id, ("", ""))
    )
    exchanges = exchanges_har(data_dir.journal, session_id, span, known)
    files: dict[str, bytes] = {
        "report.html": redact.text(page).encode("utf-8"),
        "report.json": redact.text(twin).encode("utf-8"),
        "exchanges.har": redact.text(exchanges).encode("utf-8"),
        "settings.json": _settings_file(data_dir.settings, redact),
        "shothook.log": _log_file(data_dir.log, redact),
    }
    files["README.txt"] = _readme(facts.scope, files).encode("utf-8")
    write_file(target, _zip(files))
    return Bundle(target, tuple(files), facts.session.id, facts.scope)


def exchanges_har(
    journal: Path, session_id: int | None, span: tuple[str, str], secrets: Sequence[str]
) -> str:
    """A session's exchanges (None: those of `span`, ISO [since, until) with '' for open) in
    journal order, as HAR 1.2, credentials and `secrets` redacted."""
    since, until = span
    reader = ExchangeReader(journal)
    out = io.StringIO()
    try:
        chosen = (
            e
            for e in reader.iter_exchanges(session_id)
            if e.at >= since and (not until or e.at < until)
        )
        write_har(chosen, out, HarRedactor(secrets=tuple(secrets)))
    finally:
        reader.close()
    return out.getvalue()


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
