"""Names and descriptions for screen readers. Qt reads a label's buddy or a button's text
for some controls but not for icon-only buttons, line edits without a buddy or tables, and
`QWidget.accessibleName()` holds only what was set: each interactive control is named here
explicitly (tests/gui/test_accessibility.py fails on one without a name)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget

from capture.logs import get_logger


def name_widget(widget: QWidget, name: str, description: str = "") -> None:
    """Name `widget` for screen readers; its description is `description`, else its tooltip
    (what a sighted user learns by hovering), else its name."""
    widget.setAccessibleName(name)
    widget.setAccessibleDescription(description or widget.toolTip() or name)


FOCUS_LOG_ENV = "SHOTHOOK_LOG_FOCUS"  # set: every focus change is logged with the control's name


def log_focus_changes(app: QApplication) -> None:
    """Log each control that takes the keyboard focus, by its accessible name: how a test
    driving the real window with X key presses (tests/gui/test_xdotool.py) sees where Tab went."""
    log = get_logger("gui.focus")

    def changed(_old: QWidget | None, new: QWidget | None) -> None:
        if new is not None:
            log.info("focus: %s [%s]", new.accessibleName() or "-", type(new).__name__)

    app.focusChanged.connect(changed)
