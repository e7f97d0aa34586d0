"""The theme follows the system's light or dark setting; in both, every pair of text and
background the window draws keeps a WCAG contrast ratio of at least 4.5."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.app import App
from gui.resources import Palette, is_dark, set_dark, stylesheet

AppFactory = Callable[..., App]

# (text, background) as resources/style.qss and the painting code put them together
PAIRS = [
    (Palette.INK, Palette.SURFACE),
    (Palette.INK, Palette.BACKDROP),
    (Palette.INK, Palette.SUNKEN),
    (Palette.INK, Palette.STRIPE),
    (Palette.INK_STRONG, Palette.ACCENT_TINT),
    (Palette.INK_SOFT, Palette.SURFACE),
    (Palette.INK_QUIET, Palette.SURFACE),
    (Palette.MUTED, Palette.SURFACE),
    (Palette.MUTED, Palette.SUNKEN),
    (Palette.ON_ACCENT, Palette.ACCENT),
    (Palette.ON_ACCENT, Palette.DANGER),
    (Palette.ON_TOOLTIP, Palette.TOOLTIP),
    (Palette.ON_DARK, Palette.PICTURE),
    (Palette.ACCENT_INK, Palette.ACCENT_TINT),
    (Palette.OK_INK, Palette.OK_WASH),
    (Palette.PENDING_INK, Palette.PENDING_WASH),
    (Palette.FAILED_INK, Palette.FAILED_WASH),
    (Palette.OK, Palette.SURFACE),
    (Palette.PENDING, Palette.SURFACE),
    (Palette.FAILED, Palette.SURFACE),
    (Palette.FOREIGN, Palette.SURFACE),
    (Palette.INK, Palette.INFO_WASH),
    (Palette.INK, Palette.WARNING_WASH),
    (Palette.INK, Palette.ERROR_WASH),
    (Palette.FAILED, Palette.ERROR_WASH),
    *(
        (syntax, ground)
        for syntax in (
            Palette.SYNTAX_KEY,
            Palette.SYNTAX_STRING,
            Palette.SYNTAX_NUMBER,
            Palette.SYNTAX_LITERAL,
        )
        for ground in (Palette.SURFACE, Palette.SUNKEN)
    ),
]


def luminance(hex_code: str) -> float:
    channels = [int(hex_code[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.fixture
def light_again() -> Iterator[None]:
    yield
    set_dark(False)
    QApplication.instance().setStyleSheet(stylesheet())  # type: ignore[union-attr]


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize(("text", "ground"), PAIRS, ids=lambda p: p.name)
def test_every_text_keeps_its_contrast_in_both_themes(
    text: Palette, ground: Palette, dark: bool
) -> None:
    shown = (text.dark, ground.dark) if dark else (text.light, ground.light)
    assert contrast(*shown) >= 4.5, (text.name, ground.name, shown)


def test_the_dark_theme_is_dark_and_every_colour_has_both_values() -> None:
    for entry in Palette:
        assert entry.light.startswith("#") and entry.dark.startswith("#"), entry.name
    assert luminance(Palette.SURFACE.dark) < luminance(Palette.INK.dark)
    assert luminance(Palette.SURFACE.light) > luminance(Palette.INK.light)


def test_the_window_follows_the_systems_scheme(
    qtbot: QtBot, make_app: AppFactory, light_again: None
) -> None:
    app = make_app()
    assert not is_dark()
    assert Palette.SURFACE.light in QApplication.instance().styleSheet()  # type: ignore[union-attr]
    # As the system switching (the offscreen platform has no scheme of its own to change)
    QApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    qtbot.waitUntil(is_dark)
    sheet = QApplication.instance().styleSheet()  # type: ignore[union-attr]
    assert sheet == stylesheet()
    assert f"background: {Palette.SURFACE.dark}" in sheet
    assert Palette.SURFACE.hex == Palette.SURFACE.dark
    app.window.grab()  # paints in the dark theme without error
    QApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
    qtbot.waitUntil(lambda: not is_dark())
    assert f"background: {Palette.SURFACE.light}" in QApplication.instance().styleSheet()  # type: ignore[union-attr]
