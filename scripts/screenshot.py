"""Make docs/screenshot.png: the real window under Xvfb, capturing the test pattern.

    uv run scripts/screenshot.py [OUT.png] [--size 1600x1000] [--rows 5]

Starts itself again inside `xvfb-run`, runs `main.py --autostart` on a temporary data dir with
a 2-second interval, waits until the journal holds a few verified callbacks, lets the window
paint, grabs the screen with ImageMagick's `import -window root`, then closes the app with
SIGTERM (the same cooperative shutdown as its close button) and reports its exit status.
Needs xvfb-run and ImageMagick.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

READY_TIMEOUT_S = 90.0
SETTLE_S = 1.5  # after the last row: the window repaints (thumbnails, detail pane)
EXIT_TIMEOUT_S = 15.0
TRIES = 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(ROOT / "docs" / "screenshot.png"))
    parser.add_argument("--size", default="1560x960")
    parser.add_argument("--rows", type=int, default=5, help="verified callbacks to wait for")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        return inner(Path(args.out).resolve(), args.rows)
    command = [
        "xvfb-run",
        "-a",
        "-s",
        f"-screen 0 {args.size}x24",
        sys.executable,
        __file__,
        "--inner",
        "--rows",
        str(args.rows),
        str(Path(args.out).resolve()),
    ]
    for _attempt in range(TRIES):
        code = subprocess.run(command, check=False).returncode
        if code == 0:
            return 0
        print("screenshot: failed; trying again (another Xvfb may have taken the display)")
    return code


def inner(out: Path, rows: int) -> int:
    from capture.journal.reader import TimelineReader

    with tempfile.TemporaryDirectory(prefix="shothook-shot-") as data:
        app = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "main.py"),
                "--autostart",
                "--source",
                "synthetic",
                "--interval",
                "2",
                "--channel",
                "lobby-42",
                "--extra-info",
                "demo run",
                "--webhook-port",
                "0",
                "--data-dir",
                data,
            ],
            cwd=ROOT,
        )
        journal = Path(data) / "journal.sqlite3"
        deadline = time.monotonic() + READY_TIMEOUT_S
        verified = 0
        while time.monotonic() < deadline and app.poll() is None:
            if journal.exists():
                reader = TimelineReader(journal)
                verified = reader.counters().callbacks
                reader.close()
                if verified >= rows:
                    break
            time.sleep(0.5)  # polling another process's database: nothing to wait on
        if verified < rows:
            print(
                f"screenshot: only {verified} callbacks after {READY_TIMEOUT_S:g} s",
                file=sys.stderr,
            )
            app.kill()
            return 1
        time.sleep(SETTLE_S)
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["import", "-window", "root", str(out)], check=True)
        started = time.monotonic()
        app.send_signal(signal.SIGTERM)
        code = app.wait(EXIT_TIMEOUT_S)
        print(
            f"screenshot: {out} ({verified} callbacks); app exited with status {code} "
            f"{time.monotonic() - started:.1f} s after SIGTERM",
            file=sys.stderr,
        )
        return code


if __name__ == "__main__":
    os.environ.pop("QT_QPA_PLATFORM", None)
    sys.exit(main())
