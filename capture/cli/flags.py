"""Command-line flags, shared by headless mode and the window (which takes them as initial
values). Bad values become ConfigErrors naming the flag's field and rule."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import NoReturn

from capture.errors import ConfigError
from capture.receiver.answers import AnswerMode
from capture.settings.model import (
    AddressingStyle,
    CallbackSettings,
    Secret,
    Settings,
    StorageKind,
    StorageSettings,
    check_channel,
    check_extra_info,
    check_http_url,
    check_interval,
    check_jpeg_quality,
    check_port,
    check_prefix,
    check_uid,
    check_users,
)
from capture.storage.spool import DEFAULT_CAP_BYTES

SPOOL_CAP_MAX_MB = 1_000_000
RULE_SPOOL_CAP = f"a number of megabytes above 0, at most {SPOOL_CAP_MAX_MB}"


class UsageError(Exception):
    """A command line that cannot be parsed (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="main.py",
        description="ShotHook: periodic screenshots to object storage, with webhook "
        "notifications, as video platforms' screenshot-upload does it.",
    )
    mode = p.add_argument_group("mode")
    mode.add_argument("--headless", action="store_true", help="run without a window")
    mode.add_argument(
        "--webhook-only", action="store_true", help="headless: run only the embedded webhook"
    )
    mode.add_argument(
        "--check-storage",
        action="store_true",
        help="headless: test the storage (reach, write, read back, delete) and exit",
    )
    mode.add_argument("--autostart", action="store_true", help="window: start capturing at once")

    cap = p.add_argument_group("capture")
    cap.add_argument("--source", help="synthetic | camera index | video file | stream URL")
    cap.add_argument("--interval", help="seconds between shots, 1..3600 (default 10)")
    cap.add_argument("--count", help="headless: stop after N rounds of shots")
    cap.add_argument("--channel", help="channel name (default shothook-demo)")
    cap.add_argument("--uid", help="user id, 1..4294967295 (default 1001)")
    cap.add_argument("--extra-info", help="extraInfo, sent as callbackData (<= 1024 bytes)")
    cap.add_argument("--jpeg-quality", help="1..100 (default 85)")
    cap.add_argument("--users", help="simulated publishers with consecutive uids (default 1)")

    sto = p.add_argument_group("storage")
    sto.add_argument("--prefix", help="filename prefix, parts of [A-Za-z0-9] joined by /")
    sto.add_argument("--storage-dir", help="local folder for shots (default: in the data dir)")
    sto.add_argument("--s3-endpoint", help="S3-compatible endpoint URL (AWS when omitted)")
    sto.add_argument("--bucket", help="bucket name (selects S3 storage)")
    sto.add_argument("--region", help="bucket region")
    sto.add_argument(
        "--addressing-style", choices=[s.value for s in AddressingStyle], help="S3 addressing"
    )

    hook = p.add_argument_group("notifications and webhook")
    hook.add_argument("--callback-url", help="where to POST notifications (default: embedded)")
    hook.add_argument("--public-url", help="the URL a tunnel exposes the webhook at")
    hook.add_argument("--webhook-host", help="address the webhook listens on (127.0.0.1)")
    hook.add_argument("--webhook-port", help="port for the webhook (default 8787)")
    hook.add_argument(
        "--webhook-answer",
        help="how the embedded webhook answers: normal (default), status:CODE, delay:SECONDS, "
        "non-json or drop (to watch the sender retry)",
    )
    hook.add_argument(
        "--webhook-reject-bad-checksum",
        action="store_true",
        help="the embedded webhook answers 401 to a notification whose checksum does not verify",
    )

    out = p.add_argument_group("files and output")
    out.add_argument("--data-dir", help="journal, settings and spool (default: user data dir)")
    out.add_argument("--events", help="headless: write JSON-lines events to FILE, or - (stdout)")
    out.add_argument(
        "--spool-cap-mb",
        help="most megabytes of shots waiting to upload kept in the spool (default 1024); "
        "past it new shots are refused and notified as 206",
    )
    out.add_argument(
        "--drain-timeout",
        default="60",
        help="headless: seconds to wait for pending uploads/notifications at the end",
    )
    return p


def parse_args(argv: list[str]) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def settings_from_args(args: argparse.Namespace, base: Settings | None = None) -> Settings:
    """`base` (defaults, or saved settings) with every flag given applied and checked."""
    base = base or Settings()
    capture = base.capture
    if args.source is not None:
        capture = replace(capture, source=args.source)
    if args.interval is not None:
        capture = replace(capture, interval=check_interval(args.interval))
    if args.channel is not None:
        capture = replace(capture, channel=check_channel(args.channel))
    if args.uid is not None:
        capture = replace(capture, uid=check_uid(args.uid))
    if args.extra_info is not None:
        capture = replace(capture, extra_info=check_extra_info(args.extra_info))
    if args.jpeg_quality is not None:
        capture = replace(capture, jpeg_quality=check_jpeg_quality(args.jpeg_quality))
    if args.users is not None:
        capture = replace(capture, users=check_users(args.users))
    return Settings(
        capture=capture,
        storage=_storage(args, base.storage),
        callback=_callback(args, base.callback),
    ).validated()


def _storage(args: argparse.Namespace, storage: StorageSettings) -> StorageSettings:
    if args.prefix is not None:
        storage = replace(storage, prefix=check_prefix(args.prefix))
    s3_flags = (args.s3_endpoint, args.bucket, args.region, args.addressing_style)
    if args.storage_dir is not None and any(v is not None for v in s3_flags):
        raise ConfigError("storage", "choose --storage-dir or the S3 flags, not both")
    if args.storage_dir is not None:
        storage = replace(storage, kind=StorageKind.LOCAL, directory=args.storage_dir)
    if any(v is not None for v in s3_flags):
        if not (args.bucket or storage.bucket):
            raise ConfigError(
                "bucket", "required with --s3-endpoint, --region or --addressing-style"
            )
        storage = replace(
            storage,
            kind=StorageKind.S3,
            endpoint=args.s3_endpoint if args.s3_endpoint is not None else storage.endpoint,
            bucket=args.bucket if args.bucket is not None else storage.bucket,
            region=args.region if args.region is not None else storage.region,
            addressing_style=AddressingStyle(args.addressing_style)
            if args.addressing_style
            else storage.addressing_style,
            # Headless S3 keys come from the standard AWS chain (env vars, profiles).
            access_key="",
            secret_key=Secret(),
        )
    return storage


def _callback(args: argparse.Namespace, callback: CallbackSettings) -> CallbackSettings:
    if args.callback_url is not None:
        callback = replace(
            callback, url=check_http_url("callback_url", args.callback_url, required=True)
        )
    if args.public_url is not None:
        callback = replace(
            callback, public_url=check_http_url("public_url", args.public_url, required=True)
        )
    if args.webhook_host is not None:
        callback = replace(callback, webhook_host=args.webhook_host)
    if args.webhook_port is not None:
        callback = replace(callback, webhook_port=check_port(args.webhook_port))
    return callback


def parse_count(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise ConfigError("count", "a whole number of rounds, 1 or more", value)
    return count


def parse_spool_cap(value: str | None) -> int:
    """--spool-cap-mb as bytes (the default cap when not given)."""
    if value is None:
        return DEFAULT_CAP_BYTES
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = 0.0
    if not 0 < megabytes <= SPOOL_CAP_MAX_MB:
        raise ConfigError("spool_cap_mb", RULE_SPOOL_CAP, value)
    return max(1, round(megabytes * 1e6))


def answer_mode_from_args(args: argparse.Namespace) -> AnswerMode:
    """The embedded webhook's answer, from --webhook-answer and --webhook-reject-bad-checksum."""
    reject = bool(args.webhook_reject_bad_checksum)
    if args.webhook_answer is None:
        return AnswerMode(reject_bad_checksum=reject)
    return AnswerMode.parse(args.webhook_answer, reject_bad_checksum=reject)


def parse_seconds(field: str, value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also refuses nan
        raise ConfigError(field, "a number of seconds, 0 or more", value)
    return seconds
