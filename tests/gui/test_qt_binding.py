"""The Qt binding keeps Python's reference counts right. PySide6 6.12.0 on Python 3.11 returned
None from void methods without a reference: every setPen or fillPath wore None's count down,
and a window painting its preview died after some twenty seconds with 'Fatal Python error:
none_dealloc'. pyproject.toml keeps PySide6 below 6.12 for that; this test catches a binding
that brings the bug back."""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath
from pytestqt.qtbot import QtBot

CALLS = 1000


def test_void_methods_do_not_wear_down_none(qtbot: QtBot) -> None:
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    path = QPainterPath()
    path.addRect(QRectF(1, 1, 10, 10))
    calls: list[Callable[[], object]] = [
        lambda: painter.setPen(QColor("#ffffff")),
        lambda: painter.setBrush(QColor("#000000")),
        lambda: painter.fillPath(path, QColor(1, 2, 3)),
        lambda: painter.drawEllipse(QPointF(5, 5), 3, 3),
        lambda: painter.setOpacity(0.5),
        lambda: painter.setFont(QFont()),
        lambda: painter.setRenderHint(QPainter.RenderHint.Antialiasing),
        lambda: painter.drawImage(QRectF(0, 0, 8, 8), image),
        lambda: painter.setPen(Qt.PenStyle.NoPen),
    ]
    try:
        for call in calls:
            call()
            before = sys.getrefcount(None)
            for _ in range(CALLS):
                call()
            assert sys.getrefcount(None) > before - CALLS // 2
    finally:
        painter.end()
