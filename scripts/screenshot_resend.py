"""Make docs/screenshot-resend-1280x720.png and docs/screenshot-edit-resend.png: the real window
on Qt's offscreen platform, showing a shot whose notification failed (its webhook answered
500 three times), then sent again from Edit and resend to the embedded webhook.

    uv run scripts/screenshot_resend.py [OUT_DIR]

A headless run first makes the failed shot (`--webhook-answer status:500`) in a temporary
data folder; the window then opens on it, the row is selected, Edit and resend sends it to the
window's own embedded webhook with the checksum recomputed, and the window and the dialog are
grabbed (QWidget.grab: no X server needed).
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

WAIT_S = 30.0
SIZE = (1280, 720)


def wait_until(predicate: Callable[[], bool], what: str) -> None:
    """Run Qt's events until `predicate` holds (a script: it may poll)."""
    from gui.app import application

    deadline = time.monotonic() + WAIT_S
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshot: timed out waiting for {what}")
        application().processEvents()
        time.sleep(0.02)


def main() -> int:
    from capture.cli import headless
    from capture.cli.flags import parse_args
    from capture.settings.store import SessionSecrets
    from gui.app import build

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    data = Path(tempfile.mkdtemp(prefix="shothook-shot-")) / "data"
    run = ["--headless", "--source", "synthetic", "--interval", "1", "--count", "1"]
    run += ["--data-dir", str(data), "--webhook-port", "0", "--webhook-answer", "status:500"]
    headless.run(parse_args(run), stderr=io.StringIO())
    app = build(
        parse_args(["--data-dir", str(data), "--webhook-port", "0", "--source", "synthetic"]),
        SessionSecrets(),
    )
    window, controller = app.window, app.controller
    window.resize(*SIZE)
    timeline = window.timeline
    wait_until(lambda: timeline.model.rowCount() == 1, "the row")
    timeline.select_row(0)
    wait_until(window.commands["edit_resend"].isEnabled, "the detail pane")
    wait_until(lambda: app.engine.webhook is not None, "the embedded webhook")
    window.commands["edit_resend"].trigger()
    dialog = controller.resend_dialog
    assert dialog is not None and app.engine.webhook is not None
    dialog.resize(560, 640)
    dialog.url.setText(app.engine.webhook.url)
    dialog.send.click()
    wait_until(dialog.sent.isVisible, "the resend")
    pane = window.detail

    def shown() -> bool:
        return pane.detail is not None and bool(pane.detail.row.resends)

    wait_until(shown, "the resend in the detail pane")
    pane.payloads.setCurrentWidget(pane.resent)
    if window.panes.show_settings.isChecked():  # at 1280 px the detail pane needs its room
        window.panes.show_settings.trigger()
    window.panes.show_detail.setChecked(True)
    settled = time.monotonic() + 0.5
    wait_until(lambda: time.monotonic() > settled, "the panes to settle")
    pane.ensureWidgetVisible(pane.resends, 0, 200)  # the resend, under the attempts
    settled = time.monotonic() + 1.0  # the thumbnails and the detail repaint
    wait_until(lambda: time.monotonic() > settled, "the window to repaint")
    window.grab().save(str(out / "screenshot-resend-1280x720.png"))
    dialog.grab().save(str(out / "screenshot-edit-resend.png"))
    dialog.reject()
    closed: list[object] = []
    controller.closed.connect(closed.append)
    window.close()
    wait_until(lambda: bool(closed), "the window to close")
    print(f"screenshot: wrote {out / 'screenshot-resend-1280x720.png'} and the dialog's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
