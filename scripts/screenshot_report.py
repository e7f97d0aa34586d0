"""Make docs/screenshot-report.png: a session report rendered by headless Chromium.

    uv run scripts/screenshot_report.py [OUT_PNG]

A real session of 12 shots of the test pattern, one a second, runs in a temporary data folder
while its embedded webhook changes its answer: 200 at first, then 500 for every attempt (two
notifications fail after 3 attempts), then 500 once per requestId (a recovery on the second
attempt), then 200 again. Its report is written and rendered with `chromium --headless
--screenshot` (installed apart: `apt-get install chromium`).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from capture.shooting.progress import Progress

WAIT_S = 60.0
WINDOW = "1366,1600"  # the summary, the plots and the first rows (failures first)
SHOTS = 12
# (shots captured, the answer from then on)
ANSWERS = ((4, "status:500"), (6, "seq:500,200"), (9, "normal"))


def run_session(data: Path) -> None:
    from capture.engine import Engine
    from capture.paths import DataDir
    from capture.receiver.answers import AnswerMode
    from capture.settings.model import CaptureSettings, Settings
    from capture.sources import SyntheticSource

    data_dir = DataDir.resolve(data).create()
    engine = Engine(data_dir, lambda _event: None)
    try:
        source = SyntheticSource()
        source.open()
        engine.use_source(source, already_open=True)
        if engine.slot.wait_newer(-1, WAIT_S) is None:
            raise SystemExit("screenshot: the test pattern gave no frame")
        server = engine.start_webhook("127.0.0.1", 0)
        settings = Settings(capture=CaptureSettings(source="synthetic", interval=1))
        session = engine.start_session(settings, count=SHOTS)
        for shots, answer in ANSWERS:
            if not session.progress.wait_for(partial(_taken, shots), WAIT_S):
                raise SystemExit(f"screenshot: no shot {shots} in {WAIT_S:g} s")
            server.set_mode(AnswerMode.parse(answer))
        session.progress.wait_for(lambda p: p.capture_done, WAIT_S)
        session.drain(WAIT_S)
        engine.stop_session()
    finally:
        engine.close(10.0)


def _taken(shots: int, progress: Progress) -> bool:
    return progress.shots >= shots


def main(argv: list[str]) -> int:
    from capture.report import write_report

    out = Path(argv[0]) if argv else ROOT / "docs" / "screenshot-report.png"
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("screenshot: chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="shothook-report-") as tmp:
        data = Path(tmp) / "data"
        run_session(data)
        files = write_report(data / "journal.sqlite3", "last", Path(tmp) / "report.html")
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--screenshot={out}", f"--window-size={WINDOW}", files.html.as_uri()],
            check=True, capture_output=True, timeout=WAIT_S,
        )  # fmt: skip
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
