"""Where ShotHook keeps its files: one data folder holds the journal, settings, spool and the
default local storage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "ShotHook"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class DataDir:
    root: Path

    @classmethod
    def resolve(cls, given: str | Path | None) -> DataDir:
        root = Path(given).expanduser() if given else default_data_dir()
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

    def create(self) -> DataDir:
        for folder in (self.root, self.spool):
            folder.mkdir(parents=True, exist_ok=True)
        return self
