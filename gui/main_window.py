"""The main window: composes the header, banners, settings, preview, latency plot, timeline and
detail pane.
It does no work itself; gui/controller.py connects it to the engine."""

from __future__ import annotations

from enum import StrEnum
from html import escape
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.accessible import name_widget
from gui.actions import BY_NAME, make_actions, show_shortcut_in_tip, tip
from gui.banners import BannerArea
from gui.menus import fill_menus
from gui.panes import SidePanes
from gui.plot import LatencyPanel
from gui.preview import PreviewWidget
from gui.resources import Palette, app_icon, icon, pixmap
from gui.settings.fields import breakable
from gui.settings.form import SettingsForm
from gui.source_picker import SourcePicker
from gui.timeline.detail import DetailPane
from gui.timeline.model import TimelineModel
from gui.timeline.view import TimelinePanel

TITLE = "ShotHook"
SUBTITLE = "screenshot upload & webhook emulator"
START_WIDTH = 150


class RunState(StrEnum):
    IDLE = "idle"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    CLOSING = "closing"


def _toggle(action: QAction) -> QToolButton:
    """An icon-only button for a pane's action (its tooltip says which pane)."""
    button = QToolButton()
    button.setDefaultAction(action)
    button.setProperty("flat", True)
    button.setIconSize(QSize(18, 18))
    name_widget(button, action.text())
    return button


def _start_blocker() -> QLabel:
    label = QLabel()
    label.setObjectName("startBlocker")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
    label.setContentsMargins(16, 4, 16, 4)
    label.hide()
    return label


class MainWindow(QMainWindow):
    start_requested = Signal()
    stop_requested = Signal()
    close_requested = Signal()

    def __init__(self, model: TimelineModel, default_storage_dir: Path) -> None:
        super().__init__()
        self.setWindowTitle(f"{TITLE} — {SUBTITLE}")
        self.setWindowIcon(app_icon())
        screen = QGuiApplication.primaryScreen().availableGeometry()
        self.resize(min(1600, screen.width()), min(960, screen.height()))  # both side panes fit
        self.state = RunState.IDLE
        self._valid = True
        self._problem = ""  # the first broken rule, while the form has one
        self._may_close = False

        self.picker = SourcePicker()
        self.state_chip = QLabel()
        self.state_chip.setObjectName("stateChip")
        self.start_button = QPushButton()
        self.start_button.setIconSize(QSize(14, 14))
        self.start_button.clicked.connect(self._start_stop)
        self.banners = BannerArea()
        self.start_blocker = _start_blocker()
        self.start_blocker.linkActivated.connect(self._reveal_problem)
        self.form = SettingsForm(default_storage_dir)
        self.form.setMaximumWidth(460)
        self.preview = PreviewWidget()
        self.timeline = TimelinePanel(model)
        self.latency = LatencyPanel()  # its toggle_action shows and hides it
        # Shown from the start only where it leaves the preview and the timeline their room:
        # at 720 or 768 lines the three would share too little height (the status bar's
        # "Latency plot" button shows it there).
        self.latency.set_visible(_screen_height() >= PLOT_SHOWN_FROM_HEIGHT)
        self.detail = DetailPane()
        self.panes = self._body()

        central = QWidget()
        central.setObjectName("central")
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self._header())
        column.addWidget(self.start_blocker)
        column.addWidget(self.banners)
        column.addWidget(self._padded(self.panes), 1)
        self.setCentralWidget(central)
        self._status_bar()
        self.commands = make_actions(self)  # the controller connects them to its handlers
        # The View menu's pane and plot items are the toggles those already have (header,
        # status bar), so a menu check always says what is shown.
        for name, own in (
            ("show_settings", self.panes.show_settings),
            ("show_detail", self.panes.show_detail),
            ("show_plot", self.latency.toggle_action),
        ):
            spec = BY_NAME[name]
            own.setObjectName(name)
            own.setText(spec.text)
            own.setStatusTip(spec.tip)
            self.removeAction(self.commands[name])
            self.commands[name] = own
        fill_menus(self.menuBar(), self.commands)
        self._detail_actions()
        self._shortcuts_in_tips()
        self.form.validity.connect(self._validity)
        self.set_state(RunState.IDLE)

    def _detail_actions(self) -> None:
        """The actions on the row shown: Copy (nothing to copy until a row is shown), and
        Resend and Edit and resend (in the Edit menu, on the detail pane's buttons and in the
        timeline row's menu; enabled while the row shown has a notification)."""
        for what in ("key", "url", "payload"):
            self.commands[f"copy_{what}"].setEnabled(False)
        self.detail.copyable.connect(lambda what, ok: self.commands[f"copy_{what}"].setEnabled(ok))
        pair = (self.commands["resend"], self.commands["edit_resend"])
        for action in pair:
            action.setEnabled(False)

        def enable(ok: bool) -> None:
            for action in pair:
                action.setEnabled(ok)

        self.detail.resendable.connect(enable)
        self.detail.resend_button.clicked.connect(pair[0].trigger)
        self.detail.edit_resend_button.clicked.connect(pair[1].trigger)
        self.timeline.row_actions = list(pair)
        show_shortcut_in_tip(self.detail.resend_button, "resend")
        show_shortcut_in_tip(self.detail.edit_resend_button, "edit_resend")

    def _shortcuts_in_tips(self) -> None:
        """The controls that do what an action does show its shortcut in their tooltips."""
        for button, name in zip(
            self.timeline.filter_group.buttons(),
            ("filter_all", "filter_failed", "filter_pending"),
            strict=True,
        ):
            show_shortcut_in_tip(button, name)
        show_shortcut_in_tip(self.timeline.search, "search")
        show_shortcut_in_tip(self.detail.copy_url, "copy_url")
        show_shortcut_in_tip(self.detail.copy_key, "copy_key")
        show_shortcut_in_tip(self.detail.copy_payload, "copy_payload")
        show_shortcut_in_tip(self.form.storage.test_button, "check_storage")

    # -- layout --------------------------------------------------------------------------------

    def _header(self) -> QWidget:
        header = QWidget()
        header.setObjectName("header")
        row = QHBoxLayout(header)
        row.setContentsMargins(16, 10, 16, 10)
        row.setSpacing(12)
        logo = QLabel()
        logo.setPixmap(pixmap("logo", 30))
        row.addWidget(logo)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        title = QLabel(TITLE)
        title.setObjectName("appTitle")
        subtitle = ElidedLabel(SUBTITLE, Qt.TextElideMode.ElideRight)  # gives way to the chip
        subtitle.setObjectName("appSubtitle")
        titles.addWidget(title)
        titles.addWidget(subtitle)
        row.addLayout(titles)
        row.addSpacing(24)
        row.addWidget(self.picker)
        row.addStretch(1)
        row.addWidget(self.state_chip)
        for action in (self.panes.show_settings, self.panes.show_detail):
            row.addWidget(_toggle(action))
        row.addWidget(self.start_button)
        return header

    def _body(self) -> SidePanes:
        preview_card = QWidget()
        preview_card.setObjectName("card")
        inner = QVBoxLayout(preview_card)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(self.preview)
        centre = QSplitter(Qt.Orientation.Vertical)
        centre.addWidget(preview_card)
        centre.addWidget(self.latency)
        centre.addWidget(self.timeline)
        centre.setStretchFactor(0, 5)
        centre.setStretchFactor(1, 3)
        centre.setStretchFactor(2, 6)
        centre.setChildrenCollapsible(False)
        centre.setHandleWidth(10)
        self.sidebar = sidebar = QWidget()  # hidden and shown by View > Settings pane
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(0, 0, 0, 0)
        card = QWidget()
        card.setObjectName("card")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(0, 4, 0, 0)
        card_layout.addWidget(self.form)
        side.addWidget(card)
        body = SidePanes(sidebar, centre, self.detail)
        body.setSizes([1, 10_000, 420])  # the settings at their narrowest: room for the rest
        return body

    @staticmethod
    def _padded(body: QWidget) -> QWidget:
        wrapper = QWidget()
        pad = QVBoxLayout(wrapper)
        pad.setContentsMargins(12, 10, 12, 10)
        pad.addWidget(body)
        return wrapper

    def _status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.webhook_status = ElidedLabel("Webhook: starting…")
        self.storage_status = ElidedLabel("")
        self.data_status = ElidedLabel("")
        bar.addPermanentWidget(self.webhook_status)
        bar.addPermanentWidget(self.storage_status)
        bar.addPermanentWidget(self.data_status)
        self.plot_toggle = QToolButton()
        self.plot_toggle.setDefaultAction(self.latency.toggle_action)
        name_widget(self.plot_toggle, "Latency plot")
        bar.addPermanentWidget(self.plot_toggle)

    # -- state ---------------------------------------------------------------------------------

    def set_state(self, state: RunState, detail: str = "") -> None:
        self.state = state
        running = state is RunState.RUNNING
        chip = {
            RunState.IDLE: ("idle", "Idle"),
            RunState.STARTING: ("busy", "Starting…"),
            RunState.RUNNING: ("running", f"● Capturing {detail}".strip()),
            RunState.STOPPING: ("busy", "Stopping…"),
            RunState.CLOSING: ("busy", "Closing: finishing uploads and notifications…"),
        }[state]
        self.state_chip.setProperty("state", chip[0])
        self.state_chip.setText(chip[1])
        self.state_chip.style().unpolish(self.state_chip)
        self.state_chip.style().polish(self.state_chip)
        self.start_button.setObjectName("danger" if running else "primary")
        self.start_button.setText("Stop" if running else "Start capture")
        self.start_button.setIcon(icon("stop" if running else "play", Palette.ON_ACCENT))
        self.start_button.style().unpolish(self.start_button)
        self.start_button.style().polish(self.start_button)
        # one width for Start and Stop, never less than its text needs
        self.start_button.setMinimumWidth(max(START_WIDTH, self.start_button.sizeHint().width()))
        self.form.set_locked(state is not RunState.IDLE)
        self.picker.setEnabled(state is not RunState.CLOSING)
        self._update_start()

    def _validity(self, ok: bool, problem: str) -> None:
        self._valid = ok
        self._problem = problem
        self._update_start()

    def _update_start(self) -> None:
        running = self.state is RunState.RUNNING
        asks = self.form.only_the_secret_is_missing()
        can_start = self.state is RunState.IDLE and (self._valid or asks)
        self.start_button.setEnabled(running or can_start)
        self.commands["start"].setEnabled(can_start)
        self.commands["stop"].setEnabled(running)
        if running:
            hover = tip("stop")
        else:
            hover = tip("start") if self._valid else f"Fix this first — {self._problem}"
        self.start_button.setToolTip(hover)
        name_widget(self.start_button, self.start_button.text(), hover)
        self._say_why_start_is_off(running)

    def _say_why_start_is_off(self, running: bool) -> None:
        """Beside Start, under the header: why it is off, and a link to the field."""
        asks = self.form.only_the_secret_is_missing()
        if running or self.state is not RunState.IDLE or (self._valid and not asks):
            self.start_blocker.hide()
            return
        if asks:
            why = (
                "The S3 secret key will be asked for when you start: this system has no"
                " keyring to keep it between runs."
            )
        else:
            why = f"Start is off until this is fixed. {self._problem}"
        link = f"<a href='fix' style='color:{Palette.ACCENT_INK.hex}'>Show the field</a>"
        self.start_blocker.setText(f"{escape(breakable(why))} {link}")
        name_widget(self.start_blocker, "Why Start is off", why)
        self.start_blocker.show()

    def _reveal_problem(self, _link: str = "") -> None:
        problem = self.form.first_problem()
        if problem is None:
            return
        if not self.panes.show_settings.isChecked():
            self.panes.show_settings.trigger()
        self.form.reveal(problem.field)

    def ask_for_secret(self) -> bool:
        """Without a keyring the S3 secret is asked for at Start, for this session only.
        False when the user cancels (nothing starts)."""
        key, ok = QInputDialog.getText(
            self,
            "S3 secret key",
            "The secret key for this session (this system has no keyring to keep it):",
            QLineEdit.EchoMode.Password,
        )
        if not ok or not key.strip():
            return False
        self.form.storage.secret_key.setText(key.strip())
        return not self.form.problems()

    def _start_stop(self) -> None:
        if self.state is RunState.RUNNING:
            self.stop_requested.emit()
        elif self.state is RunState.IDLE:
            self.start_requested.emit()

    # -- closing -------------------------------------------------------------------------------

    def allow_close(self) -> None:
        self._may_close = True

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_close:
            event.accept()
            return
        event.ignore()  # stop every thread first; the controller closes us when done
        self.close_requested.emit()


class ElidedLabel(QLabel):
    """A text that gives way when the window is narrow: a status bar's path can be longer than
    the screen, and a label's full text would otherwise widen the window past it. A path is
    elided in the middle (its start and end say the most); the tooltip holds the whole text."""

    MINIMUM = 60

    def __init__(self, text: str, mode: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle) -> None:
        super().__init__()
        self._full = text
        self._mode = mode
        self.setMinimumWidth(self.MINIMUM)  # below its text's width: it elides instead
        self.setText(text)

    def setText(self, text: str) -> None:
        self._full = text
        self.updateGeometry()
        self._elide()

    def full_text(self) -> str:
        return self._full

    def sizeHint(self) -> QSize:
        margins = self.contentsMargins().left() + self.contentsMargins().right()
        hint = super().sizeHint()
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + margins + 16, hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = self.contentsRect().width()
        shown = self.fontMetrics().elidedText(self._full, self._mode, room)
        super().setText(shown)
        self.setToolTip(self._full if shown != self._full else "")


PLOT_SHOWN_FROM_HEIGHT = 1000  # px of available screen height


def _screen_height() -> int:
    screen = QGuiApplication.primaryScreen()
    return screen.availableGeometry().height() if screen is not None else 0
