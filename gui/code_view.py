"""Read-only views of bodies: monospaced, unwrapped, and JSON coloured by its syntax (keys,
strings, numbers, literals) in the palette's syntax colours, which follow the theme."""

from __future__ import annotations

import re

from PySide6.QtGui import QSyntaxHighlighter, QTextCharFormat, QTextDocument
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from gui.resources import Palette, colour

# Later rules paint over earlier ones: a number inside a string is the string's colour, and a
# string followed by a colon is a key.
_RULES: tuple[tuple[re.Pattern[str], Palette], ...] = (
    (re.compile(r"-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b"), Palette.SYNTAX_NUMBER),
    (re.compile(r"\b(?:true|false|null)\b"), Palette.SYNTAX_LITERAL),
    (re.compile(r'"(?:[^"\\]|\\.)*"'), Palette.SYNTAX_STRING),
    (re.compile(r'"(?:[^"\\]|\\.)*"(?=\s*:)'), Palette.SYNTAX_KEY),
)


class JsonHighlighter(QSyntaxHighlighter):
    """Colours JSON line by line (a pretty-printed body has no string across lines); on
    anything else it is switched off, so a text body is shown in the text's colour."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.enabled = False
        self._formats: list[tuple[re.Pattern[str], QTextCharFormat]] = []
        self.restyle()

    def restyle(self) -> None:
        """Take the palette's colours again (the theme changed)."""
        self._formats = []
        for pattern, name in _RULES:
            fmt = QTextCharFormat()
            fmt.setForeground(colour(name))
            self._formats.append((pattern, fmt))
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        if not self.enabled:
            return
        for pattern, fmt in self._formats:
            for match in pattern.finditer(text):
                self.setFormat(match.start(), match.end() - match.start(), fmt)


class CodeView(QPlainTextEdit):
    """A body, read-only and selectable, coloured when it is JSON."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setProperty("role", "mono")
        self.highlighter = JsonHighlighter(self.document())

    def show_text(self, text: str, *, json: bool = False) -> None:
        """Show `text` (laid out again only when it or its colouring changed)."""
        if text == self.toPlainText() and json == self.highlighter.enabled:
            return
        self.highlighter.enabled = json
        self.setPlainText(text)
