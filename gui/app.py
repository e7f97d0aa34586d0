"""`uv run main.py` without --headless: settings, engine, window, excepthooks, event loop."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QFont, QGuiApplication, QPainter, QPixmap, QPixmapCache
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from capture.cli.exits import Exit
from capture.cli.flags import (
    parse_keep_days,
    parse_spool_cap,
    parse_spool_keep,
    settings_from_args,
    storage_flags_given,
)
from capture.errors import ConfigError, ShotHookError
from capture.logs import get_logger, start_logging
from capture.paths import APP_NAME, DataDir, write_atomic
from capture.settings.model import Settings
from gui.accessible import FOCUS_LOG_ENV, log_focus_changes
from gui.errors import print_startup_error, startup_dialog
from gui.resources import Palette, colour, pixmap
from gui.system_libs import check_before_qt

if TYPE_CHECKING:  # the engine and the window load after the splash is up
    from capture.engine import Engine
    from capture.settings.store import SecretStore
    from gui.controller import AppController
    from gui.errors import ErrorReporter
    from gui.main_window import MainWindow

PIXMAP_CACHE_KB = 2048
FIRST_FRAME_ENV = "SHOTHOOK_EXIT_AFTER_FIRST_FRAME"
"""Set (to anything but empty) in the environment: when the preview paints its first frame, the
window prints `first frame painted at <Unix time, seconds>` on stdout and closes as its close
button would. The start-up benchmark times `main.py` with it."""

_log = get_logger(__name__)


@dataclass
class App:
    """A running window and what it is built on (tests drive this directly)."""

    window: MainWindow
    controller: AppController
    engine: Engine
    reporter: ErrorReporter


def application() -> QApplication:
    existing = QCoreApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication([sys.argv[0]])
    app.setApplicationName(APP_NAME)
    return app


def build(args: argparse.Namespace, secrets: SecretStore | None = None) -> App:
    """Load settings (saved, then flags), start the engine and show the window.

    Raises ConfigError when a flag breaks a rule."""
    from capture.engine import Engine
    from capture.events import Fanout
    from capture.settings.store import DeferredSecrets, SettingsStore, default_secret_store
    from gui import gc_guard
    from gui.bridge import EventBridge
    from gui.controller import AppController
    from gui.errors import ErrorReporter
    from gui.main_window import MainWindow
    from gui.resources import app_icon, follow_system_theme
    from gui.startup import Startup
    from gui.timeline.model import TimelineModel
    from gui.workers import make_spawn

    data_dir = DataDir.resolve(args.data_dir).create()
    store = SettingsStore(data_dir.settings, secrets or DeferredSecrets(default_secret_store))
    loaded = store.load(with_secret=False)
    settings = initial_settings(args, loaded.settings)
    qt_app = application()
    follow_system_theme(qt_app)  # sets the style sheet, light or dark as the system is
    # Qt's pixmap cache (10 MB by default) keeps a reference to each thumbnail the timeline's
    # cells have drawn (the default delegate draws them through a QIcon), so they would outlive
    # the thumbnail cache's bound; the style's own pixmaps and the icons need far less.
    QPixmapCache.setCacheLimit(PIXMAP_CACHE_KB)
    qt_app.setWindowIcon(app_icon())
    collector = gc_guard.install(qt_app)
    reporter = ErrorReporter()
    spawn = make_spawn(reporter.report)
    bridge = EventBridge()
    sink = Fanout(bridge)
    engine = Engine(data_dir, sink, spawn, **engine_options(args))
    window = MainWindow(TimelineModel(), data_dir.storage)
    controller = AppController(window, engine, sink, bridge, store, spawn, reporter)
    controller.closed.connect(lambda _stuck: collector.release())
    window.show()
    controller.startup(Startup(settings, args.autostart, tuple(loaded.warnings)))
    return App(window, controller, engine, reporter)


def initial_settings(args: argparse.Namespace, saved: Settings) -> Settings:
    """The saved settings with the flags applied. A saved access key whose secret is not read
    yet (it comes from the keyring on a worker, or not at all without one) is kept for the form
    to complete, rather than failing the 'both keys or neither' rule here."""
    key = saved.storage.access_key if not saved.storage.secret_key else ""
    base = replace(saved, storage=replace(saved.storage, access_key="")) if key else saved
    settings = settings_from_args(args, base=base)
    if key and not storage_flags_given(args):
        settings = replace(settings, storage=replace(settings.storage, access_key=key))
    return settings


def engine_options(args: argparse.Namespace) -> dict[str, int]:
    """The flags that shape the engine itself (checked: ConfigError naming the flag)."""
    return {
        "spool_cap_bytes": parse_spool_cap(args.spool_cap_mb),
        "spool_keep_bytes": parse_spool_keep(args.spool_keep_mb),
        "keep_days": parse_keep_days(args.keep_days),
    }


def run_window(args: argparse.Namespace) -> int:
    if _no_display():
        print_startup_error(
            ShotHookError(
                "no display to open the window on (DISPLAY is not set)",
                advice="Run it in a desktop session or under xvfb-run, or use --headless.",
            )
        )
        return Exit.FAILED
    missing = check_before_qt()
    if missing:
        print(missing, file=sys.stderr)
        return Exit.FAILED
    try:
        data_dir = DataDir.resolve(args.data_dir).create()
        # Flags are checked before any window appears (exit 2, like headless mode).
        from capture.settings.store import SessionSecrets, SettingsStore

        saved = SettingsStore(data_dir.settings, SessionSecrets()).load(with_secret=False)
        initial_settings(args, saved.settings)
        engine_options(args)
    except (OSError, ConfigError) as exc:
        print_startup_error(exc)
        return Exit.CONFIG
    stop_logging = window_logging(data_dir.log)  # for the whole process: it ends with the window
    quit_requested = _close_on_signals()
    qt_app = application()
    splash: QLabel | None = _splash()
    while True:
        try:
            app = build(args)
        except ConfigError as exc:
            print_startup_error(exc)
            return Exit.CONFIG
        except ShotHookError as exc:  # e.g. another ShotHook uses this data folder
            if splash is not None:
                splash.close()
            print_startup_error(exc)
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_DFL)  # nothing to close cooperatively yet
            startup_dialog(exc)
            return Exit.FAILED
        if splash is not None:
            splash.close()
            splash = None
        code = _run(qt_app, app, quit_requested)
        folder = app.controller.next_data_dir
        if folder is None or code != Exit.OK:
            return code
        # File > Use a fresh data folder: the window closed as on quit; open it again there.
        args = switched_args(args, DataDir.resolve(args.data_dir), folder)
        stop_logging()
        stop_logging = window_logging(DataDir.resolve(folder).create().log)
        _log.info("data folder switched to %s", folder)


def _run(qt_app: QApplication, app: App, quit_requested: _QuitOnSignal) -> int:
    """The event loop, until the window has closed; leaves at once (exit 1) when a thread did
    not stop."""
    app.reporter.install()
    if os.environ.get(FOCUS_LOG_ENV):
        log_focus_changes(qt_app)
    if os.environ.get(FIRST_FRAME_ENV):
        app.window.preview.first_frame_painted.connect(lambda: _first_frame(app.window))
    quit_requested.target = app.window
    leftover: list[str] = []

    def closed(names: list[str]) -> None:
        leftover.extend(names)
        qt_app.quit()

    app.controller.closed.connect(closed)
    code = qt_app.exec()
    if leftover:
        _leave_without(leftover)
    return code


def switched_args(args: argparse.Namespace, old: DataDir, folder: Path) -> argparse.Namespace:
    """The flags to open the window again with, on `folder`: the same, but that data folder,
    without --autostart; the old folder's settings copied there when it has none yet (they hold
    no secret: the S3 secret is in the keyring, or asked for again)."""
    new = DataDir.resolve(folder).create()
    if old.settings.is_file() and not new.settings.exists():
        write_atomic(new.settings, old.settings.read_bytes())
    return argparse.Namespace(**{**vars(args), "data_dir": str(folder), "autostart": False})


def _first_frame(window: QWidget) -> None:
    print(f"first frame painted at {time.time():.6f}", flush=True)
    QTimer.singleShot(0, window.close)


def _leave_without(names: list[str]) -> NoReturn:
    """Last resort, for a thread that did not stop when the window closed. None should: every
    loop stops cooperatively, and blocking network calls (uploads, storage checks) run on
    helper threads that closing abandons. So this means a bug, and it says so (log, stderr,
    exit 1). Returning would hang on the thread or let Python destroy a running QThread, which
    Qt answers with an abort; everything is journaled, so leave at once instead (unfinished
    uploads and notifications resume on the next start)."""
    _log.error(  # the log file, and stderr
        "threads still running at exit: %s; leaving without them (exit %d)",
        ", ".join(names),
        Exit.FAILED,
    )
    logging.shutdown()
    os._exit(Exit.FAILED)


def _no_display() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    return not any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def _splash() -> QLabel:
    """Shown while the engine loads. A frameless top-level label rather than QSplashScreen,
    whose show() alone blocked for a second (PySide6 6.11, offscreen and under Xvfb alike)."""
    picture = QPixmap(360, 120)
    picture.fill(colour(Palette.SURFACE))
    painter = QPainter(picture)
    painter.setPen(colour(Palette.LINE))
    painter.drawRect(0, 0, 359, 119)
    painter.drawPixmap(24, 34, pixmap("logo", 52))
    title = QFont()
    title.setPointSize(18)
    title.setBold(True)
    painter.setFont(title)
    painter.setPen(colour(Palette.INK))
    painter.drawText(96, 64, APP_NAME)
    painter.setFont(QFont())
    painter.setPen(colour(Palette.MUTED))
    corner = Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignRight
    painter.drawText(picture.rect().adjusted(0, 0, -10, -8), corner, "Starting…")
    painter.end()
    splash = QLabel()
    splash.setWindowFlags(Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint)
    splash.setPixmap(picture)
    splash.resize(picture.size())
    screen = QGuiApplication.primaryScreen()
    if screen is not None:
        splash.move(screen.availableGeometry().center() - splash.rect().center())
    splash.show()
    QCoreApplication.processEvents()
    return splash


class _QuitOnSignal:
    """Ctrl+C or SIGTERM close the window the same cooperative way its close button does; one
    that arrives while the window is still being built closes it as soon as it exists."""

    def __init__(self) -> None:
        self._window: QWidget | None = None
        self._requested = False

    @property
    def target(self) -> QWidget | None:
        return self._window

    @target.setter
    def target(self, window: QWidget) -> None:
        self._window = window
        # Python runs signal handlers between bytecodes; let it in regularly while Qt waits.
        ticker = QTimer(window, interval=250)
        ticker.timeout.connect(lambda: None)
        ticker.start()
        if self._requested:
            QTimer.singleShot(0, window.close)

    def __call__(self, _signum: int, _frame: object) -> None:
        self._requested = True
        if self._window is not None:
            QTimer.singleShot(0, self._window.close)


def _close_on_signals() -> _QuitOnSignal:
    handler = _QuitOnSignal()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)
    return handler


def window_logging(log_file: Path) -> Callable[[], None]:
    """The window's log: the file, and warnings on stderr too, for a window started from a
    terminal (headless mode keeps stderr for its progress lines). Returns its undoing."""
    return start_logging(log_file, console=sys.stderr)
