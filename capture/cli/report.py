"""`--report FILE.html` and `--bundle FILE.zip`: the session report (its JSON twin beside it,
FILE.json) and the diagnostic bundle, headless.

`--report FILE.html` alone writes the report of the capture run it ends; with `--session
ID|last`, or a time range (`--since T [--until T]`: every row captured then, whatever its
session), it is written from the journal without running anything, as `--bundle` always is
(`--session` defaulting to last). Both only read the journal. Exit 0 written; 2 for a bad
flag or a session the journal does not have (naming it); 1 when the file cannot be written.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from capture.cli.exits import Exit
from capture.cli.query import parse_time
from capture.errors import ConfigError, ShotHookError
from capture.journal.audit import LAST, parse_session_ref
from capture.paths import DataDir
from capture.settings.words import on_command_line

RULE_REPORT = "a file name ending in .html, in a folder that exists"
RULE_BUNDLE = "a file name ending in .zip, in a folder that exists"
RULE_AFTER_RUN = (
    "the report of a capture run, not of --webhook-only (add --session to write one from the "
    "journal)"
)


@dataclass(frozen=True)
class Scope:
    """What a report or bundle covers: a session (an id or `last`), or a time range."""

    session: str | int
    since: datetime | None = None
    until: datetime | None = None


def asked(args: argparse.Namespace) -> bool:
    """A report or bundle written from the journal, without running: --bundle, or --report
    with --session, --since or --until."""
    chosen = (args.session, args.since, args.until) != (None, None, None)
    return args.bundle is not None or (args.report is not None and chosen)


def check(args: argparse.Namespace) -> Scope:
    """The --report and --bundle paths and what they cover, checked before anything runs
    (ConfigError naming the flag)."""
    if args.report is not None:
        _path("report", args.report, ".html", RULE_REPORT)
    if args.bundle is not None:
        _path("bundle", args.bundle, ".zip", RULE_BUNDLE)
    ref = parse_session_ref(args.session)
    since = parse_time("since", args.since)
    until = parse_time("until", args.until)
    if (since or until) and args.session is not None:
        raise ConfigError("since", "a time range or --session, not both")
    if since and until and since >= until:
        raise ConfigError("until", "a time after --since", args.until)
    if (since or until) and args.report is None and args.bundle is None:
        raise ConfigError("since", "with --report or --bundle")
    if args.report is not None and args.webhook_only and not asked(args):
        raise ConfigError("report", RULE_AFTER_RUN)
    return Scope(ref, since, until)


def _path(field: str, text: str, suffix: str, rule: str) -> Path:
    path = Path(text).expanduser()
    if path.suffix.lower() != suffix or path.is_dir() or not path.parent.is_dir():
        raise ConfigError(field, rule, text)
    return path


def run(args: argparse.Namespace, data_dir: DataDir, stderr: TextIO) -> Exit:
    """--bundle and/or --report with --session: written from the journal, then exit."""
    try:
        scope = check(args)
        if args.report is not None:
            _report(data_dir, scope, Path(args.report).expanduser(), stderr)
        if args.bundle is not None:
            _bundle(data_dir, scope, Path(args.bundle).expanduser(), stderr)
    except ConfigError as exc:
        print(f"shothook: {on_command_line(exc)}", file=stderr)
        return Exit.CONFIG
    except ShotHookError as exc:
        print(f"shothook: {exc}. {exc.advice}".rstrip(". ") + ".", file=stderr)
        return Exit.FAILED
    return Exit.OK


def after_run(args: argparse.Namespace, data_dir: DataDir, stderr: TextIO) -> bool:
    """--report after a capture run: the report of the session it ran (the newest). False,
    said on stderr, when it could not be written."""
    try:
        _report(data_dir, Scope(LAST), Path(args.report).expanduser(), stderr)
    except ShotHookError as exc:
        print(f"shothook: report not written: {exc}", file=stderr)
        return False
    return True


def _report(data_dir: DataDir, scope: Scope, html: Path, stderr: TextIO) -> None:
    from capture.report import write_report  # matplotlib loads with the plots, here only

    files = write_report(
        data_dir.journal, scope.session, html, since=scope.since, until=scope.until
    )
    print(
        f"report of {files.facts.scope} ({len(files.facts.rows)} rows) written to "
        f"{files.html} and {files.json}",
        file=stderr,
    )


def _bundle(data_dir: DataDir, scope: Scope, target: Path, stderr: TextIO) -> None:
    from capture.report.bundle import write_bundle

    bundle = write_bundle(data_dir, scope.session, target, since=scope.since, until=scope.until)
    print(
        f"diagnostic bundle of {bundle.scope} written to {bundle.path} "
        f"({', '.join(bundle.names)}; secrets redacted)",
        file=stderr,
    )
