"""Engine events, shown: a flash per shot, banners for paused uploads, a filling spool, a
webhook reachable from other machines and warnings; source changes in the status bar. Every
event is also logged in words (the headless progress lines) to shothook.log."""

from __future__ import annotations

import time
from collections.abc import Callable

from capture.cli import wording
from capture.events import (
    Event,
    SessionStarted,
    ShotCaptured,
    SourceStateChanged,
    SpoolWarning,
    UploadsPaused,
    UploadsResumed,
    WarningIssued,
    WebhookListening,
)
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

    def show(self, event: Event) -> None:
        match event:
            case ShotCaptured():
                self._shot(event)
            case UploadsPaused():
                self._paused(event)
            case UploadsResumed():
                self._window.banners.remove("uploads-paused")
            case SpoolWarning():
                self._spool(event)
            case WebhookListening():
                self._listening(event)
            case SourceStateChanged():
                self._source_state(event)
            case SessionStarted():
                self._window.storage_status.setText(f"Storage: {event.storage}")
            case WarningIssued():
                self._window.banners.put("warning", Kind.WARNING, event.message)

    def _shot(self, event: ShotCaptured) -> None:
        stamp = time.strftime("%H:%M:%S")
        self._window.preview.flash(f"Shot taken {stamp} · {event.bytes / 1024:.0f} KB")

    def _paused(self, event: UploadsPaused) -> None:
        self._window.banners.put(
            "uploads-paused", Kind.ERROR, f"Uploads paused: {event.reason}", hint=event.advice
        )

    def _spool(self, event: SpoolWarning) -> None:
        self._window.banners.put(
            "spool",
            Kind.WARNING,
            f"Spool: {event.message}",
            hint="Shots wait in the spool until storage accepts them; free space or fix storage.",
        )

    def _listening(self, event: WebhookListening) -> None:
        panel = self._window.form.webhook
        panel.set_listening(event.url, event.host, event.note, event.port, event.port_taken)
        self._apply_answer_mode(panel.answer_mode())
        if event.port_taken is not None:
            self._window.banners.put(
                "port-taken",
                Kind.WARNING,
                f"Port {event.port_taken} is taken by another program: the webhook listens on"
                f" {event.port} ({event.url}).",
                hint=f"Senders must use port {event.port}, or free port {event.port_taken}"
                " and start ShotHook again.",
            )
        else:
            self._window.banners.remove("port-taken")
        if not is_loopback(event.host):
            self._window.banners.put(
                "exposed",
                Kind.WARNING,
                f"The webhook listens on {event.host}: other machines can reach it.",
                hint="Use 127.0.0.1 unless you mean to receive callbacks from elsewhere.",
            )

    def _source_state(self, event: SourceStateChanged) -> None:
        reason = f": {event.reason}" if event.reason else ""
        message = f"Source {event.source} is {event.state}{reason}"
        self._window.statusBar().showMessage(message, SOURCE_MESSAGE_MS)
        self._source_changed()
