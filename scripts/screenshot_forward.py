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
import sys
import tempfile
from pathlib import Path

from offscreen_window import close, open_window, out_dir, room_for_the_detail, settle, wait_until


def main() -> int:
    from aiohttp import web

    from capture.cli import headless
    from capture.cli.flags import parse_args
    from tests.support.aioapp import serving_app

    async def customer(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"received": True})

    app_ = web.Application()
    app_.router.add_post("/agora/hook", customer)
    out = out_dir()
    data = Path(tempfile.mkdtemp(prefix="shothook-shot-")) / "data"
    with serving_app(app_, name="customer-webhook") as port:
        target = f"http://127.0.0.1:{port}/agora/hook"
        run = ["--headless", "--source", "synthetic", "--interval", "1", "--count", "1"]
        run += ["--data-dir", str(data), "--webhook-port", "0"]
        run += ["--forward-to", target, "--relay-answer"]
        headless.run(parse_args(run), stderr=io.StringIO())
    app = open_window(data)
    window = app.window
    timeline = window.timeline
    wait_until(lambda: timeline.model.rowCount() == 1, "the row")
    timeline.select_row(0)
    pane = window.detail

    def shown() -> bool:
        return pane.detail is not None and any(r.forward for r in pane.detail.received)

    wait_until(shown, "the forward in the detail pane")
    room_for_the_detail(app)
    pane.ensureWidgetVisible(pane.forwarded, 0, 200)  # the forward, under the callbacks
    settle(1.0)  # the thumbnails and the detail repaint
    window.grab().save(str(out / "screenshot-forward.png"))
    close(app)
    print(f"screenshot: wrote {out / 'screenshot-forward.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
