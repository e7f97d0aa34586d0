"""Local-folder storage: object key K is written to <root>/K, atomically."""

from __future__ import annotations

import errno
import hashlib
from collections.abc import Iterator
from pathlib import Path

from capture.errors import StorageError
from capture.paths import write_atomic
from capture.storage.base import CheckStep, StoredObject, probe_key, run_steps


class LocalStorage:
    def __init__(self, root: Path, prefix: str = "") -> None:
        self.root = root
        self.prefix = prefix
        self.label = f"local folder {root}"

    def path_for(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise StorageError(f"object key {key!r} leaves the storage folder", retryable=False)
        return path

    def put(self, key: str, data: bytes) -> str:
        path = self.path_for(key)
        try:
            write_atomic(path, data)
        except OSError as exc:
            raise _write_error(path, exc) from exc
        return str(path)

    def check(self) -> list[CheckStep]:
        key = probe_key(self.prefix)
        body = b"shothook storage probe"
        path = self.path_for(key)

        created = [
            p for p in (path.parent, path.parent.parent) if p != self.root and not p.exists()
        ]

        def write() -> str:
            self.put(key, body)
            return f"wrote {len(body)} bytes to {path}"

        def read_back() -> str:
            if path.read_bytes() != body:
                raise StorageError("read back different bytes than written", retryable=False)
            return "read back the same bytes"

        def delete() -> str:
            path.unlink()
            for folder in created:  # only the folders the probe made; deepest first
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
            return "deleted the probe"

        return run_steps([("write probe", write), ("read back", read_back), ("delete", delete)])

    def list(self, prefix: str) -> Iterator[StoredObject]:
        """The files under the folder the prefix names (a key prefix, so `qa/2024` matches
        `qa/20240102/...`), each with its MD5 in place of an ETag."""
        folder = self.path_for(prefix.rpartition("/")[0] or ".")
        if not folder.is_dir():
            return
        root = self.root.resolve()
        try:
            found = sorted(p for p in folder.rglob("*") if p.is_file())
        except OSError as exc:
            raise _read_error(folder, exc) from exc
        for path in found:
            key = path.relative_to(root).as_posix()
            if key.startswith(prefix):
                yield self._stored(key, path)

    def stat(self, key: str) -> StoredObject | None:
        path = self.path_for(key)
        return self._stored(key, path) if path.is_file() else None

    @staticmethod
    def _stored(key: str, path: Path) -> StoredObject:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise _read_error(path, exc) from exc
        return StoredObject(key, len(data), hashlib.md5(data, usedforsecurity=False).hexdigest())

    def close(self) -> None:
        """Nothing to release."""


# A folder that cannot be written (read-only, not ours, not a folder) stays so until someone
# acts: retrying every few seconds would only fill the journal. Uploads pause on these and ask,
# as for S3's AccessDenied; a full disk is retried, since space comes back by itself.
_NEEDS_SOMEONE = {
    errno.EROFS: "The storage folder is on a read-only file system: choose a writable folder.",
    errno.EACCES: "ShotHook may not write there: fix the folder's permissions or choose another.",
    errno.EPERM: "ShotHook may not write there: fix the folder's permissions or choose another.",
    errno.ENOTDIR: "Part of the storage folder's path is a file, not a folder: choose another.",
    errno.EISDIR: "A folder stands where the screenshot's file should go: move it away.",
}


def _read_error(path: Path, exc: OSError) -> StorageError:
    return StorageError(
        f"cannot read {path}: {exc.strerror or exc}",
        code=errno.errorcode.get(exc.errno or 0, type(exc).__name__),
        retryable=False,
        advice="Check that the storage folder exists and that ShotHook may read it.",
    )


def _write_error(path: Path, exc: OSError) -> StorageError:
    advice = _NEEDS_SOMEONE.get(exc.errno or 0)
    if advice is None:
        advice = "Check that the storage folder exists, is writable and has free space."
    return StorageError(
        f"cannot write {path}: {exc.strerror or exc}",
        code=errno.errorcode.get(exc.errno or 0, type(exc).__name__),
        retryable=exc.errno not in _NEEDS_SOMEONE,
        advice=advice,
    )
