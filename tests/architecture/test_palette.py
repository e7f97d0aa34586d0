"""Colours are named once, in gui/resources.py's palette: any other module of the window that
wrote one itself (a hex string, a QColor built from values, a Qt global colour, rgb() in a style
string) would drift from the theme unseen. The style sheet names palette entries too."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from gui.resources import ICONS, RESOURCES, Palette, stylesheet, themed

ROOT = Path(__file__).resolve().parents[2]
GUI = ROOT / "gui"
PALETTE_MODULE = GUI / "resources.py"
LOGO = ICONS / "logo.svg"  # artwork: keeps its own colours, so that any viewer can open it

HEX = re.compile(r"#(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{6}|[0-9a-fA-F]{3,4})\b")
FUNCTION = re.compile(r"\b(?:rgba?|hsla?|hsva?)\s*\(", re.IGNORECASE)
# a named colour in a style string ("color: red"); the keywords that are no colour are allowed
NAMED = re.compile(
    r"\b(?:color|background(?:-color)?)\s*:\s*(?!none\b|transparent\b)[a-z]+\b", re.IGNORECASE
)
GLOBAL_COLOURS = frozenset(Qt.GlobalColor.__members__)
COLOUR_TYPES = frozenset({"GlobalColor", "QColorConstants"})  # QColor itself: only its calls


def colour_literals(source: str) -> list[str]:
    """Each colour written out in `source` (Python), as `line: what`."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        what = _literal(node)
        if what:
            found.append(f"{getattr(node, 'lineno', '?')}: {what}")
    return found


def _literal(node: ast.AST) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        match = HEX.search(node.value) or FUNCTION.search(node.value) or NAMED.search(node.value)
        return repr(match.group(0)) if match else ""
    if isinstance(node, ast.Call) and _name(node.func) == "QColor":
        return "QColor(...)"
    if isinstance(node, ast.Attribute):
        if node.attr in COLOUR_TYPES:
            return node.attr
        if node.attr in GLOBAL_COLOURS and _name(node.value) == "Qt":
            return f"Qt.{node.attr}"
    if isinstance(node, ast.Name) and node.id in COLOUR_TYPES:
        return node.id
    return ""


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _modules() -> list[Path]:
    return [path for path in sorted(GUI.rglob("*.py")) if path != PALETTE_MODULE]


def test_no_module_of_the_window_but_the_palette_writes_a_colour() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{where}"
        for path in _modules()
        for where in colour_literals(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('x = "#1f2430"', "'#1f2430'"),
        ("x = '#fff'", "'#fff'"),
        ("x = QColor(15, 17, 21, 190)", "QColor(...)"),
        ("x = QtGui.QColor(name)", "QColor(...)"),
        ("x = Qt.GlobalColor.transparent", "GlobalColor"),
        ("x = Qt.white", "Qt.white"),
        ("x = QColorConstants.Red", "QColorConstants"),
        ("x = f\"<span style='color: rgb(1, 2, 3)'>{y}</span>\"", "'rgb('"),
        ('x = "QLabel { color: red; }"', "'color: red'"),
    ],
)
def test_the_check_sees_each_way_of_writing_a_colour(source: str, found: str) -> None:
    assert [hit.split(": ", 1)[1] for hit in colour_literals(source)] == [found]


@pytest.mark.parametrize(
    "source",
    [
        "x = colour(Palette.PICTURE, 190)",
        'x = f"color: {Palette.OK.hex}; background: transparent; border: none"',
        'x = f"Shot #{row.id}"',
        "def f(c: QColor) -> QColor: ...",
    ],
)
def test_the_check_lets_palette_names_through(source: str) -> None:
    assert colour_literals(source) == []


def test_the_style_sheet_and_the_icons_write_no_colour_of_their_own() -> None:
    files = [RESOURCES / "style.qss", *sorted(ICONS.glob("*.svg"))]
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in files
        if path != LOGO
        for match in (
            *HEX.finditer(path.read_text("utf-8")),
            *FUNCTION.finditer(path.read_text("utf-8")),
        )
    ]
    assert offenders == []


def test_the_style_sheet_gets_a_valid_colour_for_every_name_it_uses() -> None:
    sheet = stylesheet()
    assert "@" not in sheet
    assert all(QColor(code).isValid() for code in HEX.findall(sheet))
    with pytest.raises(KeyError, match="NO_SUCH_COLOUR"):
        themed("QLabel { color: @no_such_colour; }")


def test_every_palette_entry_is_a_colour_with_a_meaning_and_is_used() -> None:
    code = "\n".join(path.read_text(encoding="utf-8") for path in [*_modules(), PALETTE_MODULE])
    sheet = (RESOURCES / "style.qss").read_text(encoding="utf-8")
    for entry in Palette:
        assert QColor(entry.hex).isValid(), entry
        assert entry.meaning.strip(), entry
    unused = [
        entry.name
        for entry in Palette
        if f"Palette.{entry.name}" not in code and f"@{entry.name.lower()}" not in sheet
    ]
    assert unused == []
