"""The source picker: cameras found on this machine, a video file, a stream URL, the test
pattern. Picking emits `chosen(spec)` with the same text `--source` takes."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QToolButton,
    QWidget,
)

from gui.accessible import name_widget
from gui.resources import Palette, icon

PATTERN = "synthetic"
_FILE, _URL = "__file__", "__url__"
VIDEO_FILTER = "Video files (*.mp4 *.mov *.mkv *.avi *.webm *.m4v);;All files (*)"


def describe_spec(spec: str) -> str:
    if spec == PATTERN:
        return "Test pattern"
    if spec.isdigit():
        return f"Camera {spec}"
    if "://" in spec:
        return f"Stream {spec}"
    return f"File {spec.replace(chr(92), '/').rsplit('/', 1)[-1]}"


class SourcePicker(QWidget):
    chosen = Signal(str)
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        caption = QLabel("Source")
        caption.setProperty("role", "hint")
        row.addWidget(caption)
        self.combo = QComboBox()
        self.combo.setMinimumWidth(220)
        self.combo.setToolTip(
            "What to capture: a camera, a video file, a stream or the test pattern"
        )
        name_widget(self.combo, "Source")
        row.addWidget(self.combo)
        self.refresh = QToolButton()
        self.refresh.setIcon(icon("refresh", Palette.INK_QUIET))
        self.refresh.setToolTip("Look for cameras again")
        name_widget(self.refresh, "Look for cameras")
        self.refresh.clicked.connect(self.refresh_requested.emit)
        row.addWidget(self.refresh)
        self._cameras: list[int] = []
        self._extra = ""  # a file or URL the user picked
        self._current = PATTERN
        self.combo.activated.connect(self._activated)
        self._rebuild()

    @property
    def current(self) -> str:
        return self._current

    def set_cameras(self, cameras: list[int]) -> None:
        self._cameras = list(cameras)
        self._rebuild()

    def set_current(self, spec: str) -> None:
        """Show `spec` as the current source (without emitting `chosen`)."""
        if spec != PATTERN and not spec.isdigit():
            self._extra = spec
        elif spec.isdigit() and int(spec) not in self._cameras:
            self._cameras = sorted({*self._cameras, int(spec)})
        self._current = spec
        self._rebuild()

    def _rebuild(self) -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(icon("pattern", Palette.INK_QUIET), "Test pattern", PATTERN)
        for index in self._cameras:
            self.combo.addItem(icon("camera", Palette.INK_QUIET), f"Camera {index}", str(index))
        if self._extra:
            kind = "broadcast" if "://" in self._extra else "film"
            self.combo.addItem(
                icon(kind, Palette.INK_QUIET), describe_spec(self._extra), self._extra
            )
        self.combo.insertSeparator(self.combo.count())
        self.combo.addItem(icon("film", Palette.INK_QUIET), "Video file…", _FILE)
        self.combo.addItem(icon("broadcast", Palette.INK_QUIET), "Stream URL…", _URL)
        found = self.combo.findData(self._current)
        self.combo.setCurrentIndex(max(0, found))
        self.combo.blockSignals(False)

    def _activated(self, index: int) -> None:
        spec = str(self.combo.itemData(index))
        if spec == _FILE:
            spec = QFileDialog.getOpenFileName(self, "Choose a video file", "", VIDEO_FILTER)[0]
        elif spec == _URL:
            spec, ok = QInputDialog.getText(
                self, "Stream URL", "rtsp://, rtmp://, http(s):// … (anything FFmpeg reads):"
            )
            spec = spec.strip() if ok else ""
        if not spec or spec == self._current:
            self._rebuild()  # cancelled: show the current source again
            return
        self.set_current(spec)
        self.chosen.emit(spec)
