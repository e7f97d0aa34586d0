"""What importing some modules drags in, seen from a fresh interpreter (this one has loaded
everything the other tests used)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def loaded_from(packages: Iterable[str], *, importing: Iterable[str]) -> list[str]:
    """The modules of `packages` (top-level names) loaded once `importing` are imported, in a
    new Python run from the repository's root; sorted, empty if none."""
    wanted = set(packages)
    code = (
        "import importlib, sys\n"
        f"for name in {list(importing)!r}: importlib.import_module(name)\n"
        f"print(*sorted(m for m in sys.modules if m.split('.')[0] in {wanted!r}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return out.stdout.split()
