"""Where shots go: a local folder (the default) or any S3-compatible bucket."""

from __future__ import annotations

from pathlib import Path

from capture.settings.model import StorageKind, StorageSettings
from capture.storage.base import CheckStep, Storage
from capture.storage.local import LocalStorage


def make_storage(settings: StorageSettings, default_dir: Path, *, pool: int = 16) -> Storage:
    if settings.kind is StorageKind.S3:
        from capture.storage.s3 import S3Storage  # boto3 loads only when S3 is used

        return S3Storage(settings, pool=pool)
    root = Path(settings.directory).expanduser() if settings.directory else default_dir
    return LocalStorage(root, settings.prefix)


__all__ = ["CheckStep", "LocalStorage", "Storage", "make_storage"]
