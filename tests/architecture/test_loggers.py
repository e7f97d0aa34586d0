"""Every logger of the engine and the window comes from `capture.logs.get_logger`, so it sits in
the "shothook" namespace whose records the log file takes: a module calling
`logging.getLogger(__name__)` itself would log as "capture.x", outside it."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.imports import ROOT

ALLOWED = {Path("capture/logs.py")}


def _get_logger_calls(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "getLogger"
    ]


def test_only_capture_logs_calls_get_logger() -> None:
    sources = [*(ROOT / "capture").rglob("*.py"), *(ROOT / "gui").rglob("*.py"), ROOT / "main.py"]
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(sources)
        if path.relative_to(ROOT) not in ALLOWED
        for line in _get_logger_calls(path)
    ]
    assert offenders == []
