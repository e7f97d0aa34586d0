"""Small file systems of a test's own: a tmpfs mounted in the test's folder, full or read-only
on demand. Needs root and `mount` (CI runs as root); a test is skipped, saying why, otherwise."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, check=False)


@contextlib.contextmanager
def tmpfs(folder: Path, size: str = "2m") -> Iterator[Path]:
    """`folder` as a tmpfs of `size`, unmounted afterwards (lazily, if a process still has a
    file open in it)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    folder.mkdir(parents=True, exist_ok=True)
    done = _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder))
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def remount_read_only(folder: Path, read_only: bool = True) -> None:
    """Turns a tmpfs made by `tmpfs` read-only (or writable again)."""
    done = _mount("-o", f"remount,{'ro' if read_only else 'rw'}", str(folder))
    assert done.returncode == 0, done.stderr


def fill(folder: Path) -> Path:
    """Writes a file into `folder` until its file system has no block left; deleting the file
    (returned) gives the space back."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as out:
        try:
            while True:  # the last write comes up short, the one after it fails
                out.write(b"\0" * 65536)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    return filler
