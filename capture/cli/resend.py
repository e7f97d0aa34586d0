"""`--resend REQUEST_ID [--to URL] [--new-request-id]`: a journaled notification sent again
(capture/delivery/resend.py), its attempts on stderr as a run's are, its end in one line; the
exit status as for a run (Exit: OK delivered, FAILED not, CONFIG a bad flag or requestId).

It opens the journal as a second writer, without the data folder's lock: SQLite lets the
window (or a headless run) keep journaling meanwhile, and its embedded webhook is then the
one that receives the resend.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from capture.cli.exits import Exit
from capture.cli.headless import Progress
from capture.delivery.resend import FIELD, ResendRequest, resend
from capture.errors import ConfigError, ShotHookError
from capture.journal.schema import JournalDamaged
from capture.journal.writer import Journal
from capture.paths import DataDir
from capture.settings.rules import check_http_url
from capture.settings.words import on_command_line

NOBODY_THERE = (
    "nothing listens at that URL now: a notification sent to the embedded webhook reaches it"
    " only while it runs (the window, or --headless --webhook-only with the same"
    " --webhook-port); or send it elsewhere with --to URL."
)


def parse(args: argparse.Namespace) -> ResendRequest:
    """The checked flags; --to and --new-request-id mean nothing without --resend."""
    if args.resend is None:
        given = "--to" if args.to is not None else "--new-request-id"
        raise ConfigError(FIELD, f"required with {given} (the requestId to send again)")
    if not args.resend.strip():
        raise ConfigError(FIELD, "a requestId from the journal, not empty")
    to = "" if args.to is None else check_http_url("to", args.to, required=True)
    return ResendRequest(args.resend.strip(), to=to, new_request_id=bool(args.new_request_id))


def run(args: argparse.Namespace, stderr: TextIO) -> Exit:
    try:
        request = parse(args)
        journal_path = DataDir.resolve(args.data_dir).journal
        if not journal_path.is_file():
            raise ConfigError(FIELD, f"no journal at {journal_path}: nothing was sent from there")
        journal = Journal(journal_path)
    except ConfigError as exc:
        print(f"shothook: {on_command_line(exc)}", file=stderr)
        return Exit.CONFIG
    except JournalDamaged as exc:
        print(f"shothook: {exc}", file=stderr)
        return Exit.CONFIG
    try:
        outcome = resend(journal, request, Progress(stderr))
    except ConfigError as exc:
        print(f"shothook: {on_command_line(exc)}", file=stderr)
        return Exit.CONFIG
    except ShotHookError as exc:
        print(f"shothook: {exc}", file=stderr)
        return Exit.FAILED
    finally:
        journal.close()
    print(f"shothook: {outcome.describe()}", file=stderr, flush=True)
    if not outcome.delivered and outcome.attempts[-1].error.startswith("cannot connect"):
        print(f"shothook: {NOBODY_THERE}", file=stderr, flush=True)
    return Exit.OK if outcome.delivered else Exit.FAILED
