"""What the window loads before its first frame: not the webhook's server (aiohttp), S3 (boto3)
or the keyring. They load later, on workers (docs/benchmarks.md, start-up); an import added at
the top of a module on the way to the first frame would silently put them back."""

from __future__ import annotations

from importkit import loaded_from

BEFORE_FIRST_FRAME = (
    "main",
    "capture.cli",
    "capture.engine",
    "capture.sources",
    "gui.app",
    "gui.controller",
    "gui.main_window",
    "gui.preview",
)
LATER = ("aiohttp", "boto3", "botocore", "keyring")


def test_the_modules_before_the_first_frame_load_no_server_s3_or_keyring() -> None:
    assert loaded_from(LATER, importing=BEFORE_FIRST_FRAME) == []


def test_the_webhook_still_offers_the_answer_modes_it_always_did() -> None:
    """AnswerMode moved to capture/answers.py; capture.webhook still names the same class."""
    from capture import answers, webhook

    assert webhook.AnswerMode is answers.AnswerMode
    assert webhook.AnswerKind is answers.AnswerKind
