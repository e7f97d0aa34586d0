"""Make docs/screenshot-webhook-test.png: the "Test a webhook" window after a whole run against
the embedded webhook (in its default answer mode, which accepts a forged checksum: one warn),
on a real X server (Xvfb), grabbed with ImageMagick's `import -window root`.

    uv run scripts/screenshot_webhook_test.py [OUT.png] [--size 1366x768]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUN_TIMEOUT_S = 90.0
FORGED_ROW = 6  # the forged-checksum scenario, selected so the pane shows its exchanges


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "out", nargs="?", default=str(ROOT / "docs" / "screenshot-webhook-test.png")
    )
    parser.add_argument("--size", default="1366x768")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = Path(args.out).resolve()
    if args.inner:
        return inner(out)
    screen = f"-screen 0 {args.size}x24"
    command = ["xvfb-run", "-a", "-s", screen, sys.executable, __file__, "--inner", str(out)]
    return subprocess.run(command, check=False).returncode


def inner(out: Path) -> int:
    from PySide6.QtCore import QCoreApplication

    from capture.cli.flags import parse_args
    from capture.settings.store import SessionSecrets
    from gui.app import build

    with tempfile.TemporaryDirectory() as data:
        argv = ["--data-dir", data, "--webhook-port", "0", "--source", "synthetic"]
        app = build(parse_args(argv), SessionSecrets())
        app.window.showMaximized()
        wait(lambda: app.engine.webhook is not None)
        app.window.commands["test_webhook"].trigger()
        dialog = app.controller.webhook_test
        assert dialog is not None
        dialog.run_button.click()
        wait(lambda: dialog.report is not None)
        dialog.table.selectRow(FORGED_ROW)
        settle = time.monotonic() + 1.0
        wait(lambda: time.monotonic() > settle)  # the pane and table repaint
        subprocess.run(["import", "-window", "root", str(out)], check=True)
        print(f"wrote {out}: {dialog.summary.text()}")
        dialog.close()
        app.window.close()
        wait(lambda: not app.window.isVisible())
        QCoreApplication.processEvents()
    return 0


def wait(condition: object) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop

    deadline = time.monotonic() + RUN_TIMEOUT_S
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit("screenshot: timed out")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


if __name__ == "__main__":
    os.environ.setdefault("SHOTHOOK_THEME", "light")
    sys.exit(main())
