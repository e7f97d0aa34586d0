"""Where ShotHook keeps its files (one data folder holds the journal, settings, spool and the
default local storage), and how it writes them (atomically: a reader never sees half a file;
privately: screenshots, payloads and logs are the user's, so ShotHook's folders are made 0700
and its files 0600 whatever the umask)."""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import platformdirs

from capture.errors import ConfigError, ShotHookError

DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})  # a write refused for want of room

APP_NAME = "ShotHook"
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class DataDir:
    root: Path

    @classmethod
    def resolve(cls, given: str | Path | None) -> DataDir:
        """The folder `given` (a --data-dir), or the default one for None. An empty one is
        refused: it is a script's unset variable, not a wish for the default."""
        if given == "":
            raise ConfigError("data_dir", "a folder ShotHook can create and write, not empty")
        root = Path(given).expanduser() if given is not None else default_data_dir()
        return cls(root.resolve())

    @property
    def journal(self) -> Path:
        return self.root / "journal.sqlite3"

    @property
    def settings(self) -> Path:
        return self.root / "settings.json"

    @property
    def spool(self) -> Path:
        return self.root / "spool"

    @property
    def storage(self) -> Path:
        return self.root / "storage"

    @property
    def log(self) -> Path:
        return self.root / "shothook.log"

    @property
    def lock_file(self) -> Path:
        return self.root / "shothook.lock"

    def create(self) -> DataDir:
        """Make the folder (0700) with its spool (0700) and log (0600). A folder that exists
        keeps its mode, as it may be one the user chose and shares; what is ShotHook's own in
        it loses any access by others."""
        self.root.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)
        private_folder(self.spool)
        private_file(self.log)  # made now, as the log handlers would make it with the umask's mode
        return self


def private_folder(path: Path) -> None:
    """Make the folder `path` for this user only; one that exists loses access by others."""
    try:
        path.mkdir(mode=PRIVATE_FOLDER)
    except FileExistsError:
        tighten(path, PRIVATE_FOLDER)


def private_file(path: Path) -> None:
    """Make the empty file `path` for this user only; one that exists loses access by others
    (its contents are left as they are)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        tighten(path, PRIVATE_FILE)


def tighten(path: Path, mode: int) -> None:
    """Take from `path`'s mode what `mode` does not allow (0644 becomes 0600 under 0600), on
    POSIX; best effort: a file another user owns keeps its mode (it stays usable)."""
    if os.name != "posix":
        return
    try:
        current = stat.S_IMODE(os.stat(path).st_mode)
        if current & ~mode:
            os.chmod(path, current & mode)
    except PermissionError:
        pass


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".partial-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class DataDirLock:
    """One running engine per data folder: a second one would resume, upload and clean up the
    same spooled shots. The OS drops the lock when the process ends, even on kill -9."""

    def __init__(self, data_dir: DataDir) -> None:
        self.path = data_dir.lock_file
        self._fh: IO[str] | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
        fh = open(fd, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        try:
            _lock(fh)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            fh.close()
            raise ShotHookError(
                f"another ShotHook (process {holder}) is using the data folder {self.path.parent}",
                advice="Close it first, or give this one another --data-dir.",
                window_advice="Close the other ShotHook first, then open this one again.",
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        fh, self._fh = self._fh, None
        if fh is not None:
            fh.close()  # closing the file releases the lock


if sys.platform == "win32":
    import msvcrt

    def _lock(fh: IO[str]) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _lock(fh: IO[str]) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
