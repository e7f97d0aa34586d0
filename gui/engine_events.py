"""Engine events, shown: a flash per shot, banners for paused uploads, a filling spool, a
webhook reachable from other machines and warnings; source changes in the status bar. Every
event is also logged in words (the headless progress lines) to shothook.log."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from capture import events
from capture.cli import wording
from capture.events import Event
from capture.logs import get_logger
from capture.receiver.answers import AnswerMode
from capture.settings.model import is_loopback
from gui.banners import Kind
from gui.main_window import MainWindow

_log = get_logger(__name__)
SOURCE_MESSAGE_MS = 8000


def log_event(event: Event) -> None:
    """An EventSink (any thread): the event in words, in the log."""
    text = wording.line(event)
    if text:
        _log.info(text.strip())


class EventPresenter:
    """Shows engine events in the window (call `show` on the GUI thread)."""

    def __init__(
        self,
        window: MainWindow,
        source_changed: Callable[[], None],
        apply_answer_mode: Callable[[AnswerMode], None],
    ) -> None:
        self._window = window
        self._source_changed = source_changed
        self._apply_answer_mode = apply_answer_mode
        self._handlers: dict[str, Callable[[dict[str, Any]], None]] = {
            events.SHOT_CAPTURED: self._shot,
            events.UPLOADS_PAUSED: self._paused,
            events.UPLOADS_RESUMED: self._resumed,
            events.SPOOL_WARNING: self._spool,
            events.WEBHOOK_LISTENING: self._listening,
            events.SOURCE_STATE: self._source_state,
            events.SESSION_STARTED: self._session_started,
            events.WARNING: self._warning,
        }

    def show(self, event: Event) -> None:
        handler = self._handlers.get(event.name)
        if handler is not None:
            handler(event.fields)

    def _shot(self, f: dict[str, Any]) -> None:
        stamp = time.strftime("%H:%M:%S")
        self._window.preview.flash(f"Shot taken {stamp} · {f.get('bytes', 0) / 1024:.0f} KB")

    def _paused(self, f: dict[str, Any]) -> None:
        self._window.banners.put(
            "uploads-paused", Kind.ERROR, f"Uploads paused: {f['reason']}", hint=f.get("advice", "")
        )

    def _resumed(self, _f: dict[str, Any]) -> None:
        self._window.banners.remove("uploads-paused")

    def _spool(self, f: dict[str, Any]) -> None:
        self._window.banners.put(
            "spool",
            Kind.WARNING,
            f"Spool: {f['message']}",
            hint="Shots wait in the spool until storage accepts them; free space or fix storage.",
        )

    def _listening(self, f: dict[str, Any]) -> None:
        host = str(f["host"])
        panel = self._window.form.webhook
        panel.set_listening(str(f["url"]), host, str(f.get("note", "")))
        self._apply_answer_mode(panel.answer_mode())
        if not is_loopback(host):
            self._window.banners.put(
                "exposed",
                Kind.WARNING,
                f"The webhook listens on {host}: other machines can reach it.",
                hint="Use 127.0.0.1 unless you mean to receive callbacks from elsewhere.",
            )

    def _source_state(self, f: dict[str, Any]) -> None:
        reason = f": {f['reason']}" if f.get("reason") else ""
        message = f"Source {f['source']} is {f['state']}{reason}"
        self._window.statusBar().showMessage(message, SOURCE_MESSAGE_MS)
        self._source_changed()

    def _session_started(self, f: dict[str, Any]) -> None:
        self._window.storage_status.setText(f"Storage: {f['storage']}")

    def _warning(self, f: dict[str, Any]) -> None:
        self._window.banners.put("warning", Kind.WARNING, str(f.get("message", "")))
