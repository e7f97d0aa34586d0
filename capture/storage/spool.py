"""The spool: every shot is written here (and journaled) before any upload is tried.

Pending shots stay until uploaded, whatever happens (storage down, a restart, a kill -9), so no
shot is lost. A cap bounds the bytes waiting: past it, new shots are refused (the tick is
notified as 206 "spool full") and a warning says so; another warns when it passes
`WARN_FRACTION` of the cap, before anything is refused. Uploaded images are kept a while for the
window's detail pane, oldest deleted first, within `keep_uploaded_bytes`. That bound holds all
the time, since a run without --count must not fill the disk (64 users shoot about 200 MB a
minute): the spool keeps a running total of the kept images, counted from the journal at start,
then added to as each upload is stored, so no shot costs a journal query.
"""

from __future__ import annotations

import hashlib
import heapq
import os
import threading
from pathlib import Path

from capture.paths import DISK_FULL_ERRNOS, PRIVATE_FILE, private_folder

DEFAULT_CAP_BYTES = 1024 * 1024 * 1024
DEFAULT_KEEP_UPLOADED_BYTES = 256 * 1024 * 1024
WARN_FRACTION = 0.8


def _mb(size: int) -> str:
    return f"{size / 1e6:.2f} MB"


class SpoolFull(Exception):
    def __init__(self, pending: int, cap: int) -> None:
        super().__init__(f"spool full: {_mb(pending)} waiting to upload (cap {_mb(cap)})")


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
        # The uploaded images still here, as (shot id, path, size): a heap, so the oldest shot
        # is the first deleted even when uploads finish out of order (several workers, resumes).
        self._kept: list[tuple[int, str, int]] = []
        self._kept_bytes = 0
        folder.parent.mkdir(parents=True, exist_ok=True)
        private_folder(folder)

    @property
    def pending_bytes(self) -> int:
        with self._lock:
            return self._pending

    @property
    def kept_bytes(self) -> int:
        """Bytes of uploaded images still in the spool (at most `keep_uploaded_bytes`)."""
        with self._lock:
            return self._kept_bytes

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
            self.folder.parent.mkdir(parents=True, exist_ok=True)
            private_folder(self.folder)
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

    def keep(self, shot_id: int, path: str, size: int) -> list[int]:
        """An uploaded shot's image stays for the window, within the bound: deletes the oldest
        kept images beyond `keep_uploaded_bytes` and returns their shot ids (for the journal
        to forget their spool paths)."""
        with self._lock:
            heapq.heappush(self._kept, (shot_id, path, size))
            self._kept_bytes += size
            over = self._over_bound()
        return _delete(over)

    def count_kept(self, uploaded_files: list[tuple[int, str, int]]) -> list[int]:
        """Counts the kept images again from the journal's (shot id, path, size) of uploaded
        shots still in the spool, then deletes the oldest beyond the bound, as `keep` does.
        At start (a killed run never trimmed) and whenever the journal may have changed them
        behind the spool's back (retention)."""
        with self._lock:
            self._kept = list(uploaded_files)
            heapq.heapify(self._kept)
            self._kept_bytes = sum(size for _, _, size in self._kept)
            over = self._over_bound()
        return _delete(over)

    def _over_bound(self) -> list[tuple[int, str, int]]:
        """Takes the oldest kept images off the books until the rest fit (under the lock);
        the files are deleted outside it, so a slow disk never holds up a spool write."""
        over: list[tuple[int, str, int]] = []
        while self._kept and self._kept_bytes > self.keep_uploaded_bytes:
            oldest = heapq.heappop(self._kept)
            self._kept_bytes -= oldest[2]
            over.append(oldest)
        return over

    def clean_up(self, known: set[str]) -> list[Path]:
        """At start: delete the half-written files a crash left (`.partial`), and return the
        images no journal row names. Those are kept, never deleted: they may be the waiting
        shots of a journal that was moved aside (damaged) or restored from elsewhere. A file
        is known by its name, whatever folder the journal remembers it in, so a data folder
        that was moved keeps the shots it still has to upload."""
        known_names = {Path(path).name for path in known}
        unknown: list[Path] = []
        for path in self.folder.iterdir():
            if path.suffix == ".partial":
                path.unlink(missing_ok=True)
            elif path.suffix == ".jpg" and path.name not in known_names:
                unknown.append(path)
        return unknown


def _write_private(path: Path, data: bytes) -> None:
    """Write `path` readable by this user only (a shot is the user's picture), whatever the
    umask."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    with os.fdopen(os.open(path, flags, PRIVATE_FILE), "wb") as fh:
        fh.write(data)


def _delete(kept: list[tuple[int, str, int]]) -> list[int]:
    """Deletes kept images' files (one already gone is fine); returns their shot ids."""
    for _, path, _ in kept:
        Path(path).unlink(missing_ok=True)
    return [shot_id for shot_id, _, _ in kept]


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(".partial")
    try:
        _write_private(tmp, data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
