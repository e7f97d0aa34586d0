"""What the window loads before its first frame: not the webhook's server (aiohttp), S3 (boto3),
the keyring, the latency plot's pyqtgraph or the report's matplotlib. They load later: on
workers, and pyqtgraph when the plot first has points to show (docs/benchmarks.md, start-up);
an import added at the top of a module on the way to the first frame would silently put them
back."""

from __future__ import annotations

from tests.support.imports import loaded_from

BEFORE_FIRST_FRAME = (
    "main",
    "capture.cli.flags",
    "capture.engine",
    "capture.sources",
    "gui.app",
    "gui.controller",
    "gui.main_window",
    "gui.preview",
)
LATER = ("aiohttp", "boto3", "botocore", "keyring", "pyqtgraph", "matplotlib")


def test_the_modules_before_the_first_frame_load_no_server_s3_or_keyring() -> None:
    assert loaded_from(LATER, importing=BEFORE_FIRST_FRAME) == []


def test_naming_an_answer_mode_does_not_load_the_server() -> None:
    """The window and the flags name the webhook's answer modes long before it listens:
    capture/receiver/answers.py must not bring aiohttp with it."""
    assert loaded_from(("aiohttp",), importing=["capture.receiver.answers"]) == []
