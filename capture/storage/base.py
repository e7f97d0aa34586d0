"""What every storage backend offers: put one object, check the connection step by step."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
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


class Storage(Protocol):
    label: str  # "local folder /x", "s3://bucket at https://..."

    def put(self, key: str, data: bytes) -> str:
        """Store `data` under `key`; return where it went. Raises StorageError."""

    def check(self) -> list[CheckStep]:
        """Probe the storage (reach, write, read back, delete); stops at the first failure."""

    def close(self) -> None: ...


def probe_key(prefix: str) -> str:
    name = f"shothookprobe/{secrets.token_hex(8)}.txt"
    return f"{prefix}/{name}" if prefix else name


def run_steps(steps: list[tuple[str, Callable[[], str]]]) -> list[CheckStep]:
    """Run named steps in order; each returns a detail line or raises. Stop at the first failure."""
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
        results.append(CheckStep(name, True, detail, (time.perf_counter() - started) * 1000))
    return results
