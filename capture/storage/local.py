"""Local-folder storage: object key K is written to <root>/K, atomically."""

from __future__ import annotations

from pathlib import Path

from capture.errors import StorageError
from capture.paths import write_atomic
from capture.storage.base import CheckStep, probe_key, run_steps


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
            raise StorageError(
                f"cannot write {path}: {exc.strerror or exc}",
                code=type(exc).__name__,
                retryable=not isinstance(exc, PermissionError),
                advice="Check that the storage folder exists, is writable and has free space.",
            ) from exc
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

    def close(self) -> None:
        """Nothing to release."""
