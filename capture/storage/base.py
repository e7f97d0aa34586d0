"""What every storage backend offers: put one object, check the connection step by step, and
list or look up what is stored (the reconciliation reads the storage back through these)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from capture.errors import StorageError, describe


@dataclass(frozen=True)
class CheckStep:
    name: str
    ok: bool
    detail: str
    ms: float
    advice: str = ""
    warning: bool = False  # passed, but with something the user should know (advice says it)


@dataclass(frozen=True)
class Flagged:
    """What a step returns instead of its detail when it passed with a warning: a refusal
    that is fine for a write-only key, a region that differs from the bucket's."""

    detail: str
    advice: str = ""


@dataclass(frozen=True)
class StoredObject:
    """One object as the storage reports it. `etag` is the S3 ETag without its quotes (the
    MD5 of the bytes for a single-part upload); the local folder reports the file's MD5."""

    key: str
    size: int
    etag: str

    @property
    def multipart(self) -> bool:
        """A multipart upload's ETag is `<md5 of the parts' md5s>-<parts>`, not the bytes' MD5."""
        return "-" in self.etag


class Storage(Protocol):
    label: str  # "local folder /x", "s3://bucket at https://..."

    def put(self, key: str, data: bytes) -> str:
        """Store `data` under `key`; return where it went. Raises StorageError."""

    def check(self) -> list[CheckStep]:
        """Probe the storage (reach, write, read back, delete); stops at the first failure."""

    def list(self, prefix: str) -> Iterator[StoredObject]:
        """Every object whose key starts with `prefix`, in key order. Raises StorageError."""

    def stat(self, key: str) -> StoredObject | None:
        """The object under `key`, or None when there is none. Raises StorageError."""

    def close(self) -> None: ...


def probe_key(prefix: str) -> str:
    name = f"shothookprobe/{secrets.token_hex(8)}.txt"
    return f"{prefix}/{name}" if prefix else name


def run_steps(steps: list[tuple[str, Callable[[], str | Flagged]]]) -> list[CheckStep]:
    """Run named steps in order; each returns a detail line (or a Flagged one) or raises. Stop
    at the first failure."""
    results: list[CheckStep] = []
    for name, step in steps:
        started = time.perf_counter()
        try:
            detail = step()
        except StorageError as exc:
            ms = (time.perf_counter() - started) * 1000
            results.append(CheckStep(name, False, exc.message, ms, exc.advice))
            break
        except Exception as exc:
            ms = (time.perf_counter() - started) * 1000
            results.append(CheckStep(name, False, describe(exc), ms))
            break
        ms = (time.perf_counter() - started) * 1000
        if isinstance(detail, Flagged):
            results.append(CheckStep(name, True, detail.detail, ms, detail.advice, warning=True))
        else:
            results.append(CheckStep(name, True, detail, ms))
    return results


def warnings_in(steps: list[CheckStep]) -> int:
    return sum(1 for step in steps if step.warning)
