"""Bucket reconciliation: a session's storage held against its journal and the callbacks
received (`--reconcile`, and the window's Reconcile action). Beside the engine: it reads the
journal read-only and lists the storage, so it runs while a session captures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from capture.journal.audit import LAST, AuditSession, JournalAudit
from capture.reconcile.compare import Mismatch, Reconciliation, reconcile
from capture.settings.model import Settings, StorageSettings
from capture.storage import make_storage

__all__ = [
    "LAST",
    "Mismatch",
    "Reconciliation",
    "reconcile_session",
    "summary_lines",
    "with_secret_of",
]


def reconcile_session(
    journal: Path,
    ref: str | int,
    storage_for: Callable[[Settings], StorageSettings],
    default_dir: Path,
) -> Reconciliation:
    """Reconcile the session `ref` names with the storage `storage_for` picks from its
    journaled settings (the flags or the window may point elsewhere). Raises ConfigError
    (no such session) or StorageError (the storage cannot be listed)."""
    audit = JournalAudit(journal)
    try:
        session = audit.session(ref)
        storage = make_storage(storage_for(journaled_settings(session)), default_dir)
        try:
            return reconcile(session, storage, audit.owned)
        finally:
            storage.close()
    finally:
        audit.close()


def journaled_settings(session: AuditSession) -> Settings:
    """The settings the session ran with (the secret key is never journaled)."""
    return Settings.from_public_dict(session.settings)


def with_secret_of(current: StorageSettings) -> Callable[[Settings], StorageSettings]:
    """The journaled storage, with the secret key of `current` (the window's settings) when
    its access key is the same one: the journal never holds a secret."""

    def choose(saved: Settings) -> StorageSettings:
        storage = saved.storage
        if storage.access_key and storage.access_key == current.access_key:
            return replace(storage, secret_key=current.secret_key)
        return storage

    return choose


def summary_lines(result: Reconciliation) -> list[str]:
    """The result in words, one line each: what was listed, each mismatch, the verdict."""
    folders = ", ".join(result.folders) or "none (the session has no shot)"
    lines = [
        f"session {result.session_id} against {result.where}",
        f"listed {folders}: {result.objects} object(s)",
    ]
    lines += [f"MISMATCH {m.kind}: {m.words}" for m in result.mismatches]
    counted = (
        f"{result.checked} uploaded shot(s) checked, {result.callbacks} complete callback(s)"
        f", {result.waiting} shot(s) still waiting to upload"
        f", {result.others} object(s) of other sessions"
    )
    if result.ok:
        lines.append(f"all match: {counted}")
    else:
        lines.append(f"{len(result.mismatches)} mismatch(es): {counted}")
    return lines
