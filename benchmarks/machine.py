"""The machine a run measured, read from the system (never typed in by hand)."""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
from importlib import metadata
from pathlib import Path

LIBRARIES = (
    "aiohttp",
    "boto3",
    "botocore",
    "moto",
    "opencv-python-headless",
    "numpy",
    "pyside6-essentials",
)


def describe(workdir: Path | None = None) -> list[tuple[str, str]]:
    """(name, value) pairs: CPU, cores, RAM, OS, Python, library versions, load, disk."""
    facts = [
        ("CPU", _cpu_model()),
        ("cores", _cores()),
        ("RAM", _ram()),
        ("OS", _os()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("libraries", ", ".join(_versions())),
        ("load average", "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())),
    ]
    if workdir is not None:
        facts.append(("scratch disk", _filesystem(workdir)))
    return facts


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _field(text: str, name: str, sep: str = ":") -> str:
    for line in text.splitlines():
        key, found, value = line.partition(sep)
        if found and key.strip() == name:
            return value.strip().strip('"')
    return ""


def _cpu_model() -> str:
    info = _read("/proc/cpuinfo")
    model = _field(info, "model name") or platform.processor() or platform.machine()
    mhz = _field(info, "cpu MHz")
    return f"{model} ({platform.machine()}{f', {float(mhz):.0f} MHz' if mhz else ''})"


def _cores() -> str:
    logical = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else logical
    return f"{logical} logical, {usable} usable by this process"


def _ram() -> str:
    total = _field(_read("/proc/meminfo"), "MemTotal")
    if total.endswith("kB"):
        return f"{int(total[:-2]) / 1024**2:.1f} GiB"
    return total or "unknown"


def _os() -> str:
    pretty = _field(_read("/etc/os-release"), "PRETTY_NAME", "=")
    kernel = f"{platform.system()} {platform.release()}"
    return f"{pretty}, {kernel}" if pretty else kernel


def _versions() -> list[str]:
    found = []
    for name in LIBRARIES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    found.append(f"SQLite {sqlite3.sqlite_version}")
    return found


def _filesystem(path: Path) -> str:
    """The mount holding `path`: device and filesystem type (from /proc/mounts)."""
    best = ("", "", "")
    target = str(path.resolve())
    for line in _read("/proc/mounts").splitlines():
        parts = line.split()
        inside = len(parts) >= 3 and (target + "/").startswith(parts[1].rstrip("/") + "/")
        if inside and len(parts[1]) >= len(best[1]):
            best = (parts[0], parts[1], parts[2])
    device, mount, kind = best
    return f"{kind} on {device} (mounted at {mount})" if kind else sys.platform
