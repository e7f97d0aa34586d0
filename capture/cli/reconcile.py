"""`--headless --reconcile [--session ID|last]`: which session and which storage (the storage
flags when given, else the session's own settings as journaled), the result printed, exit 0
when everything matches and 1 with each mismatch in words."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import TextIO

from capture.cli.exits import Exit
from capture.cli.flags import settings_from_args, storage_flags_given
from capture.errors import ConfigError, ShotHookError
from capture.journal.audit import parse_session_ref
from capture.paths import DataDir
from capture.reconcile import reconcile_session, summary_lines
from capture.settings.model import Secret, Settings, StorageKind, StorageSettings
from capture.settings.words import on_command_line


def run(args: argparse.Namespace, data_dir: DataDir, stderr: TextIO) -> Exit:
    try:
        ref = parse_session_ref(args.session)
        result = reconcile_session(
            data_dir.journal, ref, lambda saved: _storage(args, saved), data_dir.storage
        )
    except ConfigError as exc:
        print(f"shothook: {on_command_line(exc)}", file=stderr)
        return Exit.CONFIG
    except ShotHookError as exc:
        print(f"shothook: cannot reconcile: {exc}", file=stderr)
        return Exit.FAILED
    for line in summary_lines(result):
        print(line, file=stderr)
    return Exit.OK if result.ok else Exit.FAILED


def _storage(args: argparse.Namespace, saved: Settings) -> StorageSettings:
    """The storage flags over the journaled settings; headless S3 keys come from the standard
    AWS chain either way (the journal never holds the secret)."""
    if storage_flags_given(args):
        return settings_from_args(args, saved).storage
    storage = saved.storage
    if storage.kind is StorageKind.S3:
        storage = replace(storage, access_key="", secret_key=Secret())
    return storage
