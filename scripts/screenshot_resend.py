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
import sys
import tempfile
from pathlib import Path

from offscreen_window import close, open_window, out_dir, room_for_the_detail, settle, wait_until


def main() -> int:
    from capture.cli import headless
    from capture.cli.flags import parse_args

    out = out_dir()
    data = Path(tempfile.mkdtemp(prefix="shothook-shot-")) / "data"
    run = ["--headless", "--source", "synthetic", "--interval", "1", "--count", "1"]
    run += ["--data-dir", str(data), "--webhook-port", "0", "--webhook-answer", "status:500"]
    headless.run(parse_args(run), stderr=io.StringIO())
    app = open_window(data)
    window, controller = app.window, app.controller
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
    room_for_the_detail(app)
    pane.ensureWidgetVisible(pane.resends, 0, 200)  # the resend, under the attempts
    settle(1.0)  # the thumbnails and the detail repaint
    window.grab().save(str(out / "screenshot-resend-1280x720.png"))
    dialog.grab().save(str(out / "screenshot-edit-resend.png"))
    dialog.reject()
    close(app)
    print(f"screenshot: wrote {out / 'screenshot-resend-1280x720.png'} and the dialog's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
