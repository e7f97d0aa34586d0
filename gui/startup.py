"""The window's start-up as named steps (gui/steps.py), in three phases the controller runs:

1. `before_first_frame`, as soon as the window is shown: the settings into the form, the
   timeline's readers, the preview, and the first source (before anything else that uses
   `control`: the preview waits on it).
2. `after_first_frame`, once the preview has painted a frame, or AFTER_FIRST_FRAME_MS without
   one, or when Start is pressed first: the embedded webhook and the secret key. They load
   aiohttp and find the keyring (0.3 to 0.5 s of imports and probing), so they wait rather than
   compete with the source and the preview for the interpreter (docs/benchmarks.md).
3. `with_the_secret`, once the secret key is read: it goes into the form, then autostart
   (Start needs the form complete).

Each step is a function of the controller (and what the window starts with), so a test can run
one alone. Blocking work is only submitted to the controller's queues here; the GUI thread never
waits on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer

from capture.errors import ShotHookError
from capture.settings.model import Settings
from capture.sources import CameraSource, FrameSource, SyntheticSource, make_source, open_auto
from gui.banners import Kind
from gui.errors import problem_banner, words
from gui.preview import PreviewFeed
from gui.source_picker import PATTERN
from gui.steps import Step

if TYPE_CHECKING:
    from gui.controller import AppController

AFTER_FIRST_FRAME_MS = 1000  # the longest the webhook and secret wait for a first frame
NO_CAMERA_HINT = (
    "Pick a video file or a stream URL in Source, or plug in a camera and press refresh."
)


@dataclass(frozen=True)
class Startup:
    """What the window starts with: the saved settings with the flags applied."""

    settings: Settings
    autostart: bool = False
    warnings: tuple[str, ...] = ()  # saved settings that were invalid and reset


@dataclass(frozen=True)
class Secret:
    """The secret key as read on `control`, and where secrets are kept."""

    key: str
    where: str
    persistent: bool


def before_first_frame(c: AppController, startup: Startup) -> list[Step]:
    return [
        Step("restore the settings", lambda: restore_settings(c, startup)),
        Step("warn of reset settings", lambda: warn_of_reset_settings(c, startup)),
        Step("start the timeline readers", lambda: start_timeline_readers(c)),
        Step("start the preview", lambda: start_preview(c)),
        Step("poll the source state", c.status_timer.start),
        Step("open the first source", lambda: open_first_source(c, startup)),
        Step("list the cameras", c.find_cameras),
        Step("wait for the first frame", lambda: wait_for_first_frame(c)),
    ]


def after_first_frame(c: AppController, startup: Startup) -> list[Step]:
    return [
        Step("start the webhook", lambda: start_webhook(c, startup)),
        Step("read the secret key", lambda: read_secret(c, startup)),
    ]


def with_the_secret(c: AppController, startup: Startup, secret: Secret) -> list[Step]:
    autostart = [Step("autostart", c.start)] if startup.autostart else []
    return [Step("show the secret key", lambda: show_secret(c, secret)), *autostart]


# -- before the first frame ----------------------------------------------------------------------


def restore_settings(c: AppController, startup: Startup) -> None:
    c.window.form.set_settings(startup.settings)
    c.window.data_status.setText(f"Data: {c.engine.data_dir.root}")


def warn_of_reset_settings(c: AppController, startup: Startup) -> None:
    if startup.warnings:
        c.window.banners.put(
            "settings",
            Kind.WARNING,
            "Some saved settings were invalid and were reset to their defaults.",
            hint="; ".join(startup.warnings),
        )


def start_timeline_readers(c: AppController) -> None:
    readers = (("timeline", c.feed), ("thumbnails", c.thumbs), ("latency", c.latency_feed))
    for name, runnable in readers:
        worker = c.spawn(name, runnable)
        worker.start()
        c.workers.append(worker)


def start_preview(c: AppController) -> None:
    c.preview_feed = PreviewFeed(c.window.preview, c.engine.slot, c.spawn)
    c.workers.append(c.preview_feed.worker)


def open_first_source(c: AppController, startup: Startup) -> None:
    """The saved or given source; 'auto' is camera 0, else the test pattern (said so). A source
    that is no longer there (a moved file) falls back to the test pattern too."""
    spec = startup.settings.capture.source

    def open_it() -> tuple[str, str]:
        try:
            source: FrameSource = open_auto() if spec == "auto" else make_source(spec)
        except ShotHookError as exc:
            source = SyntheticSource()
            source.open()
            why = f"{words(exc).rstrip('.')}: showing the test pattern instead."
        else:
            why = "No camera found on this machine: showing the test pattern."
            why = why if spec == "auto" and isinstance(source, SyntheticSource) else ""
        c.engine.use_source(source, already_open=spec == "auto" or bool(why))
        return _spec_of(source, spec), why

    def opened(result: tuple[str, str]) -> None:
        shown, why = result
        c.window.picker.set_current(shown)
        if why:
            c.window.banners.put("no-camera", Kind.INFO, why, hint=NO_CAMERA_HINT)

    c.control.submit(open_it, opened, c.source_failed)


def wait_for_first_frame(c: AppController) -> None:
    c.window.preview.first_frame_painted.connect(c.start_the_rest)
    QTimer.singleShot(AFTER_FIRST_FRAME_MS, c, c.start_the_rest)


def _spec_of(source: FrameSource, asked: str) -> str:
    """The picker's entry for an opened source."""
    if isinstance(source, SyntheticSource):
        return PATTERN
    if isinstance(source, CameraSource):
        return str(source.index)
    return asked


# -- after the first frame -----------------------------------------------------------------------


def start_webhook(c: AppController, startup: Startup) -> None:
    cb = startup.settings.callback
    webhook = c.window.form.webhook
    c.control.submit(
        lambda: c.engine.start_webhook(
            cb.webhook_host, cb.webhook_port, public_url=cb.public_url, forward_to=cb.forward_to
        ),
        # the answer mode chosen meanwhile, if any (the tab may change before it listens)
        on_done=lambda _server: c.set_answer_mode(webhook.answer_mode()),
        on_error=lambda exc: problem_banner(c.window.banners, "webhook", exc, "Embedded webhook"),
    )


def read_secret(c: AppController, startup: Startup) -> None:
    """On `control`: the keyring is found there, not on the GUI thread."""
    settings = startup.settings

    def read() -> Secret:
        secrets = c.store.secrets
        where, persistent = secrets.where, secrets.persistent
        if settings.storage.secret_key:
            return Secret(settings.storage.secret_key.reveal(), where, persistent)
        key = c.store.with_secret(settings).storage.secret_key.reveal()
        return Secret(key, where, persistent)

    c.control.submit(read, on_done=lambda secret: c.secret_read(startup, secret))


# -- with the secret key -------------------------------------------------------------------------


def show_secret(c: AppController, secret: Secret) -> None:
    c.window.form.storage.set_secret_note(secret.where, secret.persistent)
    c.window.form.storage.set_secret(secret.key)
