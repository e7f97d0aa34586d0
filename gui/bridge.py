"""Engine events, from any thread, to the GUI thread as a queued Qt signal."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from capture.events import Event


class EventBridge(QObject):
    """An EventSink: call it from any thread; `happened` is emitted in the GUI thread.
    (Not named `event`: that is QObject's event handler.)"""

    happened = Signal(object)

    def __call__(self, event: Event) -> None:
        self.happened.emit(event)
