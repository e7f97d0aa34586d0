"""The exit statuses of `main.py`, headless or with the window: scripts and CI branch on them,
so each one is named here once and README.md's exit status table lists exactly these
(tests/cli/test_exits.py checks it).

They live with the command line rather than in capture/errors.py: only the entry points end a
process; the engine's stages report errors and never choose how the process ends.
"""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    """Every shot stored and notified; the webhook-only run stopped; the storage check passed;
    the reconciliation found the storage as journaled; the window closed."""
    FAILED = 1
    """Work that did not get done: a notification failed for good, an interval had no shot,
    shots left unfinished in the spool, a failed storage check, a reconciliation mismatch, an
    unexpected error; in the window, no display, a data folder in use, or a thread that did not
    stop."""
    CONFIG = 2
    """Bad arguments or configuration, said in one line naming the field and the rule."""
