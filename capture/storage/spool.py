"""The spool: every shot is written here (and journaled) before any upload is tried.

Pending shots stay until uploaded, whatever happens (storage down, a restart, a kill -9), so no
shot is lost. A cap bounds the bytes waiting: past it, new shots are refused (the tick is
notified as 206 "spool full") and a warning says so; another warns when it passes
`WARN_FRACTION` of the cap, before anything is refused. Uploaded images are kept a while for the
window's detail pane, oldest deleted first, within `keep_uploaded_bytes`.
"""

from __future__ import annotations

import errno
import hashlib
import os
import threading
from pathlib import Path

DEFAULT_CAP_BYTES = 1024 * 1024 * 1024
DEFAULT_KEEP_UPLOADED_BYTES = 256 * 1024 * 1024
WARN_FRACTION = 0.8


def _mb(size: int) -> str:
    return f"{size / 1e6:.2f} MB"


class SpoolFull(Exception):
    def __init__(self, pending: int, cap: int) -> None:
        super().__init__(f"spool full: {_mb(pending)} waiting to upload (cap {_mb(cap)})")


DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


class SpoolUnwritable(Exception):
    """The spool folder refused a shot: its disk is full (`disk_full`), or it cannot be written
    at all (read-only, permissions). Each shot refused is a 206; the next write tries again, so
    capture resumes by itself once the disk has room."""

    def __init__(self, folder: Path, exc: OSError) -> None:
        self.disk_full = exc.errno in DISK_FULL_ERRNOS
        why = exc.strerror or str(exc)
        if self.disk_full:
            text = f"disk full: no room for the shot in the spool at {folder} ({why})"
        else:
            text = f"the spool at {folder} cannot be written ({why})"
        super().__init__(text)


class Spool:
    def __init__(
        self,
        folder: Path,
        *,
        cap_bytes: int = DEFAULT_CAP_BYTES,
        keep_uploaded_bytes: int = DEFAULT_KEEP_UPLOADED_BYTES,
        pending_bytes: int = 0,
    ) -> None:
        self.folder = folder
        self.cap_bytes = cap_bytes
        self.keep_uploaded_bytes = keep_uploaded_bytes
        self._lock = threading.Lock()
        self._pending = pending_bytes
        self._warned = False
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def pending_bytes(self) -> int:
        with self._lock:
            return self._pending

    def nearly_full_warning(self) -> str:
        """A warning the first time pending bytes pass WARN_FRACTION of the cap (again only
        after they fell back below it); '' otherwise."""
        with self._lock:
            over = self._pending >= self.cap_bytes * WARN_FRACTION
            first, self._warned = over and not self._warned, over
            pending = self._pending
        if not first:
            return ""
        return (
            f"spool {pending / self.cap_bytes:.0%} full: {_mb(pending)} waiting to upload"
            f" (cap {_mb(self.cap_bytes)}); when full, new shots are refused and notified as 206"
        )

    def path_for(self, key: str) -> Path:
        return self.folder / (
            hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest() + ".jpg"
        )

    def write(self, key: str, data: bytes) -> Path:
        """Write a shot atomically; raises SpoolFull when it would pass the cap, and
        SpoolUnwritable when the folder refuses it (a full disk)."""
        with self._lock:
            if self._pending + len(data) > self.cap_bytes:
                raise SpoolFull(self._pending, self.cap_bytes)
            self._pending += len(data)
        path = self.path_for(key)
        try:
            self._write_file(path, data)
        except BaseException as exc:
            self.uploaded(len(data))
            if isinstance(exc, OSError):
                raise SpoolUnwritable(self.folder, exc) from exc
            raise
        return path

    def _write_file(self, path: Path, data: bytes) -> None:
        """Write atomically (no half-written shot is ever uploaded); a spool folder deleted
        while running is made again."""
        try:
            _write_atomic(path, data)
        except FileNotFoundError:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_atomic(path, data)

    def discard(self, path: Path, size: int) -> None:
        """Remove a shot just written that the journal could not record (so no upload will
        ever claim it)."""
        path.unlink(missing_ok=True)
        self.uploaded(size)

    def uploaded(self, size: int) -> None:
        """A pending shot of `size` bytes has left the spool's pending set."""
        with self._lock:
            self._pending = max(0, self._pending - size)

    def trim(self, uploaded_files: list[tuple[int, str, int]]) -> list[int]:
        """Delete the oldest uploaded images beyond `keep_uploaded_bytes`; return their shot ids."""
        total = sum(size for _, _, size in uploaded_files)
        removed: list[int] = []
        for shot_id, path, size in uploaded_files:
            if total <= self.keep_uploaded_bytes:
                break
            Path(path).unlink(missing_ok=True)
            total -= size
            removed.append(shot_id)
        return removed

    def remove_orphans(self, known: set[str]) -> int:
        """Delete files no journal row points at (a crash between write and journal). A file is
        known by its name, whatever folder the journal remembers it in: a data folder that was
        moved or restored elsewhere must never lose the shots it still has to upload."""
        known_names = {Path(path).name for path in known}
        removed = 0
        for path in self.folder.iterdir():
            if path.name not in known_names and path.suffix in (".jpg", ".partial"):
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(".partial")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
