"""The layer rules in pyproject.toml ([tool.importlinter]) hold: a stage imports only the stages
below it, the spec nothing of ours, the window only the engine's public API."""

from __future__ import annotations

import shutil
import subprocess

from tests.support.imports import ROOT


def test_every_import_contract_is_kept() -> None:
    lint = shutil.which("lint-imports")
    assert lint is not None, "import-linter is a dev dependency: uv sync installs it"
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "BROKEN" not in result.stdout
