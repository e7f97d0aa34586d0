"""The engine stays Qt-free: napari-style ban on Qt imports from the core."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.imports import loaded_from

ROOT = Path(__file__).resolve().parents[2]
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "qtpy")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_capture_sources_do_not_import_qt() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / "capture").rglob("*.py"))
        for name in _imports(path)
        if name.split(".")[0] in QT_MODULES
    ]
    assert offenders == []


def test_importing_every_capture_module_loads_no_qt() -> None:
    """Catches Qt pulled in indirectly, through a dependency, not only by our own imports."""
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in (ROOT / "capture").rglob("*.py")
    )
    assert loaded_from(QT_MODULES, importing=modules) == []
