"""`--export FILE [--session ID|last|all] [--export-keep-auth]` and the window's File > Export:
which session, which format (by FILE's extension), the file written whole or not at all.

The target is checked before the journal is read: a folder, a missing folder or one that
cannot be written is a ConfigError naming --export (exit 2), as is an unknown extension; an
unknown session names --session. The rows are streamed from the journal (a page at a time)
into a temporary file beside FILE, renamed over it at the end: a reader never sees half a file,
and a failure leaves FILE as it was.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from capture.errors import ConfigError, ShotHookError
from capture.export.curl import write_script
from capture.export.fields import Redactor
from capture.export.har import write_har
from capture.export.jsonl import write_jsonl
from capture.journal.audit import JournalAudit, parse_session_ref
from capture.journal.exchanges import ExchangeReader
from capture.journal.records import Exchange

__all__ = ["ALL", "FORMATS", "ExportJob", "Written", "export", "parse"]

FIELD = "export"
ALL = "all"
Writer = Callable[[Iterable[Exchange], TextIO, Redactor], int]


@dataclass(frozen=True)
class Format:
    suffix: str
    label: str  # as the file dialog and the closing line name it
    write: Writer


FORMATS: tuple[Format, ...] = (
    Format(".har", "HAR 1.2", write_har),
    Format(".jsonl", "JSON lines", write_jsonl),
    Format(".sh", "curl script", write_script),
)
RULE_FILE = "a file ending in " + ", ".join(f.suffix for f in FORMATS)


@dataclass(frozen=True)
class ExportJob:
    path: Path
    session: str | int  # an id, "last" or "all"
    keep_auth: bool = False
    secrets: tuple[str, ...] = ()  # values redacted wherever they appear (the S3 secret)


@dataclass(frozen=True)
class Written:
    path: Path
    format: Format
    count: int
    session: int | None  # None: every session

    def describe(self) -> str:
        """The export's end in one line (the terminal, the window's status bar)."""
        which = "every session" if self.session is None else f"session {self.session}"
        return f"exported {self.count} exchange(s) of {which} to {self.path} ({self.format.label})"


def parse(args: argparse.Namespace, secrets: tuple[str, ...] = ()) -> ExportJob:
    """The export the flags ask for (ConfigError naming --export or --session)."""
    if args.export is None:
        raise ConfigError("export_keep_auth", "goes with --export FILE")
    session = str(args.session).strip().lower() if args.session is not None else None
    ref: str | int = ALL if session == ALL else parse_session_ref(args.session)
    path = Path(str(args.export)).expanduser()
    _check_target(path)
    format_of(path)
    return ExportJob(path, ref, bool(args.export_keep_auth), secrets)


def format_of(path: Path) -> Format:
    found = next((f for f in FORMATS if path.suffix.lower() == f.suffix), None)
    if found is None:
        raise ConfigError(FIELD, RULE_FILE, str(path))
    return found


def export(journal: Path, job: ExportJob) -> Written:
    """Write the export `job` asks for from the journal at `journal`."""
    fmt = format_of(job.path)
    _check_target(job.path)
    session = _session_id(journal, job.session)
    redactor = Redactor(keep_auth=job.keep_auth, secrets=job.secrets)
    reader = ExchangeReader(journal)
    try:
        with _atomic(job.path) as out:
            count = fmt.write(reader.iter_exchanges(session), out, redactor)
    finally:
        reader.close()
    return Written(job.path, fmt, count, session)


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise ConfigError(FIELD, "a file to write, not a folder", str(path))
    if not path.parent.is_dir():
        raise ConfigError(FIELD, "a file in a folder that exists", str(path))


def _session_id(journal: Path, ref: str | int) -> int | None:
    """The session's id (None for all); ConfigError naming --session for one the journal
    does not have, or for a missing journal."""
    if not journal.is_file():
        raise ConfigError("session", f"no journal at {journal}: nothing was recorded there")
    if ref == ALL:
        return None
    audit = JournalAudit(journal)
    try:
        return audit.session(ref).id
    finally:
        audit.close()


@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[TextIO]:
    """A text stream into a private temporary file beside `path`, renamed over it when the
    block ends well and deleted when it does not. Cannot create it: ConfigError naming
    --export; a write that fails later (a full disk): ShotHookError."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    except OSError as exc:
        raise ConfigError(
            FIELD, f"a file that can be written ({exc.strerror})", str(path)
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if path.suffix.lower() == ".sh":
            os.chmod(tmp, 0o700)  # a script to run, private like the rest
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ShotHookError(
            f"cannot write {path}: {exc.strerror or exc}",
            advice="free some space or pick another folder",
        ) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
