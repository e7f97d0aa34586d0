"""Names and descriptions for screen readers. Qt reads a label's buddy or a button's text
for some controls but not for icon-only buttons, line edits without a buddy or tables, and
`QWidget.accessibleName()` holds only what was set: each interactive control is named here
explicitly (tests/gui/test_accessibility.py fails on one without a name)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def name_widget(widget: QWidget, name: str, description: str = "") -> None:
    """Name `widget` for screen readers; its description is `description`, else its tooltip
    (what a sighted user learns by hovering), else its name."""
    widget.setAccessibleName(name)
    widget.setAccessibleDescription(description or widget.toolTip() or name)
