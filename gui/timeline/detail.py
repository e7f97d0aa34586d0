"""The detail pane: the selected row in full. The image (from the spool or the local storage
file, else where it is), every attempt, the payload as sent and as received, copy buttons."""

from __future__ import annotations

import re
from html import escape

from PySide6.QtCore import QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QGuiApplication, QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from capture.journal.reader import Detail, RowKind, TimelineRow
from capture.receiver.answers import ANSWERING, DROPPED, SENDER_GONE
from capture.spec.checksum import Explanation
from capture.spec.naming import iso, parse_iso
from gui.accessible import name_widget
from gui.resources import GROUP_BACKGROUNDS, GROUP_COLOURS, STATUS_LABELS, Palette, icon
from gui.settings.fields import hint, section_title
from gui.timeline.model import human_size, local_time
from gui.timeline.traffic import ExchangeInspector, TrafficList

IMAGE_HEIGHT = 210
NO_ROW_TITLE = "No row selected"
NO_ROW_SUMMARY = "Select a row in the timeline to see everything about it."
COPIED_MS = 1500  # how long a copy button says "Copied": long enough to read, then it is back
COPIED = "Copied"


class DetailPane(QScrollArea):
    copyable = Signal(str, bool)  # "key" | "url" | "payload", whether there is one to copy
    resendable = Signal(bool)  # whether the row shown has a notification to send again

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        body.setObjectName("card")
        self.setWidget(body)
        column = QVBoxLayout(body)
        column.setContentsMargins(16, 14, 16, 14)
        column.setSpacing(10)
        top = QHBoxLayout()
        self.title = QLabel(NO_ROW_TITLE)
        self.title.setObjectName("detailTitle")
        top.addWidget(self.title, 1)
        self.pill = QLabel()
        self.pill.setObjectName("statusPill")
        self.pill.setVisible(False)
        top.addWidget(self.pill)
        column.addLayout(top)
        self.summary = hint(NO_ROW_SUMMARY)
        column.addWidget(self.summary)
        self.image = QLabel()
        self.image.setObjectName("imageBox")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setWordWrap(True)
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.image.setFixedHeight(IMAGE_HEIGHT)
        column.addWidget(self.image)
        self.facts = QGridLayout()
        self.facts.setHorizontalSpacing(10)
        self.facts.setVerticalSpacing(4)
        self.facts.setColumnStretch(1, 1)
        column.addLayout(self.facts)
        column.addLayout(self._copy_buttons())
        column.addLayout(self._resend_buttons())
        self._add_history(column)
        self._clip = {"key": "", "url": "", "payload": ""}
        # One timer for all three buttons: a second copy before it fires restores the first.
        self._copied = QTimer(self, singleShot=True, interval=COPIED_MS)
        self._copied.timeout.connect(self._restore_copy_labels)
        self._fact_rows: list[tuple[QLabel, QLabel]] = []  # reused: see _show_facts
        self._pill_group: object = None
        self._image = QImage()
        self.detail: Detail | None = None
        self.show_detail(None, QImage())

    def minimumSizeHint(self) -> QSize:
        """As narrow as its content allows (it never scrolls sideways, so narrower would cut
        the copy buttons), beside its scroll bar."""
        hint = super().minimumSizeHint()
        content = self.widget()
        body = content.minimumSizeHint().width() if content is not None else 0
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(body + bar + 2 * self.frameWidth(), hint.height())

    def _copy_buttons(self) -> QHBoxLayout:
        self.copy_key = self._copy_button("key", "Copy the object key")
        self.copy_url = self._copy_button("URL", "Copy where the image is stored, as a URL")
        self.copy_payload = self._copy_button("payload", "Copy the JSON payload as sent")
        self._copy_labels = {
            "key": self.copy_key,
            "url": self.copy_url,
            "payload": self.copy_payload,
        }
        buttons = QHBoxLayout()
        for button in self._copy_labels.values():
            # As wide as its label or "Copied", whichever is wider: the row never jumps.
            width = max(button.sizeHint().width(), _width_with_text(button, COPIED))
            button.setMinimumWidth(width)
            buttons.addWidget(button)
        buttons.addStretch(1)
        return buttons

    def _resend_buttons(self) -> QHBoxLayout:
        """Resend and Edit and resend: the window's actions of those names trigger them
        (gui/main_window.py connects them), so they work from the menu and the row's menu."""
        self.resend_button = QPushButton(icon("send", Palette.INK_SOFT), "Resend")
        name_widget(self.resend_button, "Resend", "Send this notification again")
        self.edit_resend_button = QPushButton("Edit and resend…")
        name_widget(self.edit_resend_button, "Edit and resend", "Edit the payload, then send it")
        buttons = QHBoxLayout()
        buttons.addWidget(self.resend_button)
        buttons.addWidget(self.edit_resend_button)
        buttons.addStretch(1)
        return buttons

    def _add_history(self, column: QVBoxLayout) -> None:
        attempts_title = section_title("Notification attempts")
        column.addWidget(attempts_title)
        self.attempts = hint("")
        self.attempts.setTextFormat(Qt.TextFormat.RichText)
        column.addWidget(self.attempts)
        callbacks_title = section_title("Callbacks received")
        column.addWidget(callbacks_title)
        self.callbacks = hint("")
        self.callbacks.setTextFormat(Qt.TextFormat.RichText)
        column.addWidget(self.callbacks)
        self.forwarded_title = section_title("Forwarded")
        column.addWidget(self.forwarded_title)
        self.forwarded = hint("")
        self.forwarded.setTextFormat(Qt.TextFormat.RichText)
        self.forwarded.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        name_widget(
            self.forwarded,
            "Forwarded",
            "Where --forward-to sent each received request on, and its answer or error",
        )
        column.addWidget(self.forwarded)
        self.checksum_title = section_title("Checksum explained")
        column.addWidget(self.checksum_title)
        self.checksum = hint("")
        self.checksum.setTextFormat(Qt.TextFormat.RichText)
        self.checksum.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        name_widget(
            self.checksum,
            "Checksum explained",
            "The string the spec hashes, its four parts, the MD5 expected and received, and"
            " the mistake that reproduces a wrong one",
        )
        column.addWidget(self.checksum)
        resends_title = section_title("Sent again")
        column.addWidget(resends_title)
        self.resends = hint("")
        self.resends.setTextFormat(Qt.TextFormat.RichText)
        column.addWidget(self.resends)
        self.traffic = TrafficList()
        self.traffic.inspect.connect(self.open_inspector)
        column.addWidget(self.traffic)
        self.inspector: ExchangeInspector | None = None
        self.payloads = QTabWidget()
        self.sent = _code_view()
        self.received = _code_view()
        self.resent = _code_view()
        self.payloads.addTab(self.sent, "Payload sent")
        self.payloads.addTab(self.received, "As received")
        self.payloads.addTab(self.resent, "Resent")
        self.payloads.setMinimumHeight(260)
        name_widget(self.payloads, "Payloads", "The JSON payload as sent, and as received")
        name_widget(self.payloads.tabBar(), "Payload tabs", "As sent, or as received")
        name_widget(self.sent, "Payload sent", "The notification's JSON body as ShotHook sent it")
        name_widget(self.received, "As received", "The bodies the embedded webhook received")
        name_widget(self.resent, "Resent", "The newest resend's body, exactly as it was sent")
        column.addWidget(self.payloads)
        # What only a row has: with none selected the pane shows its title and hint alone.
        self._row_only: tuple[QWidget, ...] = (
            self.image,
            attempts_title,
            self.attempts,
            callbacks_title,
            self.callbacks,
            self.forwarded_title,
            self.forwarded,
            self.checksum_title,
            self.checksum,
            resends_title,
            self.resends,
            self.traffic,
            self.payloads,
        )
        column.addStretch(1)

    def _copy_button(self, what: str, tip: str) -> QPushButton:
        label = what[0].upper() + what[1:]
        button = QPushButton(icon("copy", Palette.INK_SOFT), label)
        button.setToolTip(tip)
        name_widget(button, f"Copy {what}", tip)
        button.setProperty("label", label)
        button.clicked.connect(lambda: self._copy(what.lower()))
        return button

    def _copy(self, what: str) -> None:
        """Copy, and say so on the button: the clipboard itself shows nothing."""
        text = self._clip[what]
        if not text:
            return  # the button is disabled then; a shortcut must not empty the clipboard
        QGuiApplication.clipboard().setText(text)
        self._restore_copy_labels()
        self._copy_labels[what].setText(COPIED)
        self._copied.start()

    def _restore_copy_labels(self) -> None:
        for button in self._copy_labels.values():
            button.setText(str(button.property("label")))

    def _enable_copy_buttons(self) -> None:
        """A button copies something or is disabled: an empty clipboard helps nobody."""
        for what, button in self._copy_labels.items():
            button.setEnabled(bool(self._clip[what]))
            self.copyable.emit(what, bool(self._clip[what]))  # the Edit menu's items follow

    # -- showing ---------------------------------------------------------------------------------

    def show_detail(self, detail: Detail | None, image: QImage) -> None:
        self.detail = detail
        self._image = image
        row = detail.row if detail else None
        for widget in self._row_only:
            widget.setVisible(row is not None)
        if detail is None or row is None:
            self._clear()
            return
        self.title.setText(
            "Foreign callback" if row.kind is RowKind.CALLBACK else f"Shot #{row.id}"
        )
        group = row.status.group
        self.pill.setText(STATUS_LABELS[row.status])
        if group != self._pill_group:  # a style sheet of its own re-polishes the widget
            self._pill_group = group
            self.pill.setStyleSheet(
                f"color: {GROUP_COLOURS[group].hex}; background: {GROUP_BACKGROUNDS[group].hex};"
            )
        self.pill.setVisible(True)
        self.summary.setText(breakable(row.summary))
        self._show_image(detail)
        self._show_facts(detail)
        self.attempts.setText(_attempts_html(row))
        self.callbacks.setText(_callbacks_html(detail))
        forwarded = forwarded_html(detail)
        self.forwarded.setText(forwarded)
        self.forwarded_title.setVisible(bool(forwarded))
        self.forwarded.setVisible(bool(forwarded))
        explained = checksum_html(detail)
        self.checksum.setText(explained)
        self.checksum_title.setVisible(bool(explained))
        self.checksum.setVisible(bool(explained))
        _set_plain(self.sent, detail.payload_sent or "(no notification was sent for this row)")
        _set_plain(
            self.received,
            "\n\n".join(r.body for r in detail.received) or "(nothing received yet)",
        )
        self.resends.setText(_resends_html(row))
        self.traffic.show_exchanges(detail.exchanges)
        if self.inspector is not None and self.inspector.isVisible():
            self._follow_in_inspector(detail)
        # Exactly as sent: not pretty-printed, as the other bodies are.
        _set_plain(self.resent, detail.resent[-1][1] if detail.resent else "(not sent again)")
        self._clip = {
            "key": row.object_key,
            "url": _url(row),
            "payload": detail.payload_sent or (detail.received[0].body if detail.received else ""),
        }
        self._enable_copy_buttons()
        self._enable_resend(row.kind is RowKind.SHOT and bool(detail.payload_sent))

    def open_inspector(self, index: int | None = None) -> None:
        """The row's traffic in the inspector window, the exchange at `index` (default: the
        one selected in the list) first; one window, raised again when already open."""
        detail = self.detail
        if detail is None or not detail.exchanges:
            return
        if self.inspector is None:
            self.inspector = ExchangeInspector(self.window())
        self.inspector.show_exchanges(
            detail.exchanges, self.traffic.selected() if index is None else index
        )
        self.inspector.show()
        self.inspector.raise_()
        self.inspector.activateWindow()

    def _follow_in_inspector(self, detail: Detail) -> None:
        """An open inspector follows the row shown (the same exchange stays when it is still
        there: a refresh of the row must not jump to another)."""
        assert self.inspector is not None
        if not detail.exchanges:
            self.inspector.close()
            return
        if detail.exchanges != self.inspector.exchanges:
            self.inspector.show_exchanges(detail.exchanges, self.traffic.selected())

    def _enable_resend(self, possible: bool) -> None:
        self.resend_button.setEnabled(possible)
        self.edit_resend_button.setEnabled(possible)
        self.resendable.emit(possible)

    def _clear(self) -> None:
        """Nothing of the last row stays: its subtitle, facts, image, bodies or clipboard."""
        self._clip = {"key": "", "url": "", "payload": ""}
        self._enable_copy_buttons()
        self._enable_resend(False)
        self._copied.stop()
        self._restore_copy_labels()
        self.title.setText(NO_ROW_TITLE)
        self.summary.setText(NO_ROW_SUMMARY)
        self.pill.setVisible(False)
        self.image.setText("")
        self.image.setPixmap(QPixmap())
        self._set_facts([])
        _set_plain(self.sent, "")
        _set_plain(self.received, "")
        _set_plain(self.resent, "")
        self.resends.setText("")
        self.attempts.setText("")
        self.callbacks.setText("")
        self.checksum.setText("")
        self.traffic.show_exchanges(())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.detail is not None and not self._image.isNull():
            self._show_image(self.detail)

    def _show_image(self, detail: Detail) -> None:
        if self._image.isNull():
            self.image.setPixmap(QPixmap())
            self.image.setText(detail.image_where or "image not readable")
            return
        width = max(200, self.viewport().width() - 32)
        scaled = self._image.scaled(
            QSize(width, IMAGE_HEIGHT),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self.image.setPixmap(QPixmap.fromImage(scaled))

    def _show_facts(self, detail: Detail) -> None:
        row = detail.row
        facts: list[tuple[str, str]] = [
            ("Captured" if row.kind is RowKind.SHOT else "Received", _when(row)),
            ("Object key", row.object_key or "—"),
            ("requestId", row.request_id or "—"),
        ]
        if row.kind is RowKind.SHOT:
            size = f"{human_size(row.size)}, {row.width}×{row.height}" if row.size else "—"
            facts += [("Image", size), ("Stored at", row.upload_location or "not yet")]
            if row.upload_ms is not None:
                tries = f"{row.upload_tries} tr{'y' if row.upload_tries == 1 else 'ies'}"
                facts.append(("Upload", f"{row.upload_ms:.0f} ms, {tries}"))
            if row.upload_error:
                facts.append(("Last upload error", row.upload_error))
            facts.append(("Callback URL", detail.callback_url or "—"))
        self._set_facts([(name, breakable(value)) for name, value in facts])

    def fact_rows(self) -> list[tuple[str, str]]:
        """The facts shown, as (name, value) pairs."""
        return [(n.text(), v.text()) for n, v in self._fact_rows if not n.isHidden()]

    def _set_facts(self, facts: list[tuple[str, str]]) -> None:
        """Show `facts` in the grid's rows, reusing the labels of earlier rows: the pane is
        refreshed for every new shot while the timeline follows the newest, and deleting and
        building (and styling) a dozen labels each time is heavy work for the GUI thread."""
        while len(self._fact_rows) < len(facts):
            self._fact_rows.append(self._fact_row(len(self._fact_rows)))
        for i, (label, text) in enumerate(self._fact_rows):
            shown = i < len(facts)
            if shown:
                label.setText(facts[i][0])
                text.setText(facts[i][1])
            label.setVisible(shown)
            text.setVisible(shown)

    def _fact_row(self, i: int) -> tuple[QLabel, QLabel]:
        label = QLabel()
        label.setProperty("role", "hint")
        text = QLabel()
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts.addWidget(label, i, 0, Qt.AlignmentFlag.AlignTop)
        self.facts.addWidget(text, i, 1)
        return label, text


def _set_plain(view: QPlainTextEdit, text: str) -> None:
    """Replace the view's text only when it changed (setPlainText lays the document out again)."""
    if view.toPlainText() != text:
        view.setPlainText(text)


_LONG_RUN = re.compile(r"[^\s/_&]{16}(?=[^\s/_&])")


def breakable(text: str) -> str:
    """Let a label wrap long keys, paths and URLs after '/', '_' and '&', and inside runs of
    more than 16 characters without them (a sid's 32 hex digits), with zero-width spaces: a
    label's longest unbreakable run is the narrowest the pane can be."""
    for mark in ("/", "_", "&"):
        text = text.replace(mark, mark + "\u200b")
    return _LONG_RUN.sub(lambda run: run.group(0) + "\u200b", text)


def _width_with_text(button: QPushButton, text: str) -> int:
    """The button's size hint were it to show `text`."""
    shown = button.text()
    button.setText(text)
    width = button.sizeHint().width()
    button.setText(shown)
    return width


def _code_view() -> QPlainTextEdit:
    view = QPlainTextEdit()
    view.setReadOnly(True)
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    return view


def _when(row: TimelineRow) -> str:
    return f"{local_time(row.when)} local · {iso(row.when)}"


def _url(row: TimelineRow) -> str:
    location = row.upload_location
    if location and "://" not in location:
        return QUrl.fromLocalFile(location).toString()
    return location


def _attempts_html(row: TimelineRow) -> str:
    if not row.attempts:
        return "none yet" if row.kind is RowKind.SHOT else "—"
    lines = []
    for a in row.attempts:
        colour = (Palette.OK if a.ok else GROUP_COLOURS[row.status.group]).hex
        mark = "✓" if a.ok else "✗"
        status = a.status if a.status is not None else "no answer"
        error = f" — {escape(a.error)}" if a.error else ""
        lines.append(
            f"<span style='color:{colour}'>{mark}</span> attempt {a.attempt}: "
            f"<b>{status}</b> in {a.ms:.0f} ms{error}"
        )
    return "<br>".join(lines)


def _callbacks_html(detail: Detail) -> str:
    if not detail.received:
        return "none received by the embedded webhook"
    lines = []
    for r in detail.received:
        c = r.callback
        ok = c.checksum_ok
        colour = (Palette.OK if ok else Palette.FAILED).hex
        mark = "✓" if ok else "✗"
        lines.append(
            f"<span style='color:{colour}'>{mark}</span> delivery {c.delivery} from "
            f"{escape(c.remote)}, <span style='color:{_answer_colour(c.answered)}'>"
            f"{_answered(c.answered)}</span><br>"
            f"<span style='color:{colour}'>{escape(c.verdict)}</span>"
        )
    return "<br>".join(lines)


def forwarded_html(detail: Detail) -> str:
    """Each received request's forward ('' when none was forwarded): the target, then its
    status and time, or why it failed; whether the sender got that answer."""
    lines = []
    for r in detail.received:
        f = r.forward
        if f is None:
            continue
        if f.status is None:
            outcome = f"<span style='color:{Palette.FAILED.hex}'>{escape(f.error)}</span>"
        else:
            took = "" if f.total_ms is None else f" in {f.total_ms:.0f} ms"
            colour = _answer_colour(f.status)
            outcome = f"<span style='color:{colour}'>answered {f.status}</span>{took}"
        relayed = " (relayed to the sender)" if f.relayed else ""
        lines.append(
            f"delivery {r.callback.delivery} → <code>{escape(breakable(f.target))}</code>:"
            f" {outcome}{relayed}"
        )
    return "<br>".join(lines)


def checksum_html(detail: Detail) -> str:
    """Each received body's checksum explained ('' when none holds one): the sentence for the
    customer first, then the hashed string's four parts, the MD5 expected and received."""
    blocks = [
        _explanation_html(r.callback.delivery, r.checksum)
        for r in detail.received
        if r.checksum is not None
    ]
    return "<br><br>".join(blocks)


def _explanation_html(delivery: int, explained: Explanation) -> str:
    ok = explained.matches
    colour = (Palette.OK if ok else Palette.FAILED).hex
    mark = "✓" if ok else "✗"
    rows = [(p.name, p.value) for p in explained.parts]
    rows += [("hashed", explained.hashed), ("expected MD5", explained.expected)]
    rows.append(("received", explained.received or "(empty)"))
    if explained.found and not ok:
        rows.append(("their string", explained.their_string.replace("\n", "\\n")))
    cells = "".join(
        f"<tr><td style='padding-right:8px'>{escape(name)}</td>"
        f"<td><code>{escape(breakable(value))}</code></td></tr>"
        for name, value in rows
    )
    return (
        f"<span style='color:{colour}'>{mark}</span> delivery {delivery}: "
        f"<span style='color:{colour}'>{escape(breakable(explained.sentence))}</span>"
        f"<table cellspacing='0'>{cells}</table>"
    )


def _answered(status: int) -> str:
    """What the webhook answered a delivery, in words (receiver.answers' special statuses)."""
    return {
        DROPPED: "answered nothing (dropped the connection)",
        ANSWERING: "not answered yet (a delayed answer waits)",
        SENDER_GONE: "answered nothing: the sender hung up before the delayed answer",
    }.get(status, f"answered {status}")


def _answer_colour(status: int) -> str:
    """A 200 in the colour of success, anything else (500, dropped, ...) in the failure's,
    and a delayed answer not sent yet in the text's: the checksum's ✓ says nothing of it."""
    if status == ANSWERING:
        return Palette.INK.hex
    return (Palette.OK if status == 200 else Palette.FAILED).hex


def _resends_html(row: TimelineRow) -> str:
    """Each resend: when, where, how it differs from the original, and its attempts."""
    if not row.resends:
        return "not sent again (Resend sends it as the spec's retry)"
    blocks = []
    for r in row.resends:
        state = {None: "sending…", True: "delivered", False: "failed"}[r.delivered]
        colour = (Palette.OK if r.delivered else Palette.FAILED).hex
        head = (
            f"<span style='color:{colour}'>↻</span> {escape(local_time(parse_iso(r.at)))} to "
            f"{escape(r.url)}: <b>{state}</b><br>{escape(r.note)}"
        )
        tries = [
            f"attempt {a.attempt}: <b>{a.status if a.status is not None else 'no answer'}</b>"
            f" in {a.ms:.0f} ms" + (f" — {escape(a.error)}" if a.error else "")
            for a in r.attempts
        ]
        blocks.append("<br>".join([head, *tries]))
    return "<br><br>".join(blocks)
