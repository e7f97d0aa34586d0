"""`--headless --export FILE [--session ID|last|all] [--export-keep-auth]`: the export
written (capture/export/command.py), the line that ends it; exit 2 naming the flag at fault."""

from __future__ import annotations

import argparse
import os
import sqlite3
from typing import TextIO

from capture.cli.exits import Exit
from capture.errors import ConfigError, ShotHookError
from capture.export.command import export, parse
from capture.journal.schema import JournalDamaged
from capture.paths import DataDir
from capture.settings.words import on_command_line


def run(args: argparse.Namespace, stderr: TextIO) -> Exit:
    # Headless S3 keys come from the AWS chain: that secret is kept out of the file too.
    secrets = tuple(filter(None, [os.environ.get("AWS_SECRET_ACCESS_KEY", "")]))
    try:
        job = parse(args, secrets)
        written = export(DataDir.resolve(args.data_dir).journal, job)
    except ConfigError as exc:
        print(f"shothook: {on_command_line(exc)}", file=stderr)
        return Exit.CONFIG
    except (sqlite3.DatabaseError, JournalDamaged) as exc:
        print(f"shothook: cannot export: {exc}", file=stderr)
        return Exit.CONFIG
    except ShotHookError as exc:
        print(f"shothook: cannot export: {exc}", file=stderr)
        return Exit.FAILED
    print(f"shothook: {written.describe()}", file=stderr)
    return Exit.OK
