"""Make docs/screenshot-forward.png: the real window on Qt's offscreen platform, a shot selected
whose notification the embedded webhook forwarded (--forward-to) to a customer's webhook and
relayed its answer (--relay-answer), the detail pane's Forwarded section in view.

    uv run scripts/screenshot_forward.py [OUT_DIR]

A loopback "customer webhook" (an aiohttp app on 127.0.0.1) answers 200 JSON; a headless run
takes one shot with the embedded webhook forwarding to it in a temporary data folder; the
window then opens on that journal, the row is selected and the window is grabbed
(QWidget.grab: no X server needed).
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
    from aiohttp import web

    from capture.cli import headless
    from capture.cli.flags import parse_args
    from capture.settings.store import SessionSecrets
    from gui.app import build
    from tests.support.aioapp import serving_app

    async def customer(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"received": True})

    app_ = web.Application()
    app_.router.add_post("/agora/hook", customer)
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    data = Path(tempfile.mkdtemp(prefix="shothook-shot-")) / "data"
    with serving_app(app_, name="customer-webhook") as port:
        target = f"http://127.0.0.1:{port}/agora/hook"
        run = ["--headless", "--source", "synthetic", "--interval", "1", "--count", "1"]
        run += ["--data-dir", str(data), "--webhook-port", "0"]
        run += ["--forward-to", target, "--relay-answer"]
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
    pane = window.detail

    def shown() -> bool:
        return pane.detail is not None and any(r.forward for r in pane.detail.received)

    wait_until(shown, "the forward in the detail pane")
    if window.panes.show_settings.isChecked():  # at 1280 px the detail pane needs its room
        window.panes.show_settings.trigger()
    window.panes.show_detail.setChecked(True)
    settled = time.monotonic() + 0.5
    wait_until(lambda: time.monotonic() > settled, "the panes to settle")
    pane.ensureWidgetVisible(pane.forwarded, 0, 200)  # the forward, under the callbacks
    settled = time.monotonic() + 1.0  # the thumbnails and the detail repaint
    wait_until(lambda: time.monotonic() > settled, "the window to repaint")
    window.grab().save(str(out / "screenshot-forward.png"))
    closed: list[object] = []
    controller.closed.connect(closed.append)
    window.close()
    wait_until(lambda: bool(closed), "the window to close")
    print(f"screenshot: wrote {out / 'screenshot-forward.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
