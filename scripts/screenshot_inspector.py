"""Make docs/screenshot-inspector-1280x720.png, docs/screenshot-inspector.png and
docs/screenshot-search-1280x720.png: the real window on Qt's offscreen platform.

    uv run scripts/screenshot_inspector.py [OUT_DIR]

A headless run first makes shots whose webhook answered 500 (`--webhook-answer status:500`,
each notification failing after 3 attempts) in a temporary data folder, and a second session
whose webhook answers 200; the window then opens on it. The first picture is the window with
a failed row selected and its traffic listed in the detail pane; the second, the inspector on
that row's first failed exchange (the attempt's request and the 500 it got, side by side); the
third, the timeline searched for "500" across the whole journal. Grabbed with QWidget.grab: no
X server needed.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

from offscreen_window import close, open_window, out_dir, room_for_the_detail, settle, wait_until


def record(data: Path) -> None:
    """Two headless sessions: one whose webhook answers 500, one that answers 200."""
    from capture.cli import headless
    from capture.cli.flags import parse_args

    base = ["--headless", "--source", "synthetic", "--interval", "1", "--data-dir", str(data)]
    base += ["--webhook-port", "0"]
    headless.run(parse_args([*base, "--count", "2"]), stderr=io.StringIO())
    failing = [*base, "--count", "2", "--webhook-answer", "status:500"]
    headless.run(parse_args(failing), stderr=io.StringIO())


def main() -> int:
    out = out_dir()
    data = Path(tempfile.mkdtemp(prefix="shothook-shot-")) / "data"
    record(data)
    app = open_window(data)
    window = app.window
    timeline, pane = window.timeline, window.detail
    wait_until(lambda: timeline.model.rowCount() == 4, "the rows")
    timeline.select_row(0)
    wait_until(lambda: pane.traffic.list.count() > 0, "the row's traffic")
    room_for_the_detail(app)
    pane.ensureWidgetVisible(pane.traffic, 0, 40)
    settle(1.0)
    window.grab().save(str(out / "screenshot-inspector-1280x720.png"))
    window.commands["inspect_traffic"].trigger()
    inspector = pane.inspector
    assert inspector is not None
    inspector.resize(1180, 640)
    settle(0.5)
    inspector.grab().save(str(out / "screenshot-inspector.png"))
    inspector.close()
    timeline.search.setText("500")
    wait_until(lambda: "found" in timeline.matches.text(), "the search's answer")
    settle(1.0)
    window.grab().save(str(out / "screenshot-search-1280x720.png"))
    close(app)
    print(f"screenshot: wrote the inspector's and the search's pictures in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
