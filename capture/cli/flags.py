"""Command-line flags, shared by headless mode and the window (which takes them as initial
values), made from the settings table (`capture/settings/table.py`). Bad values become
ConfigErrors naming the flag's field and rule."""

from __future__ import annotations

import argparse
import re
from dataclasses import replace
from typing import Any, NoReturn

from capture.errors import ConfigError
from capture.receiver.answers import AnswerMode
from capture.settings import table
from capture.settings.model import Secret, Settings, StorageKind, StorageSettings
from capture.settings.table import RunOption, Setting
from capture.storage.spool import DEFAULT_CAP_BYTES, DEFAULT_KEEP_UPLOADED_BYTES

SPOOL_CAP_MAX_MB = 1_000_000
RULE_SPOOL_CAP = f"a number of megabytes above 0, at most {SPOOL_CAP_MAX_MB}"
# Waits past a day are a typo, and 'inf' or 1e300 would never end (or overflow a thread's wait).
SECONDS_MAX = 86_400
RULE_SECONDS = f"a number of seconds, 0 or more, at most {SECONDS_MAX} (a day)"
RULE_SPOOL_KEEP = f"a number of megabytes, 0 to {SPOOL_CAP_MAX_MB}"


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
    for section in table.SECTIONS:
        group = p.add_argument_group(section)
        for option in table.with_flags(section):
            _add(group, option)
    return p


def _add(group: argparse._ArgumentGroup, option: Setting[Any] | RunOption) -> None:
    if isinstance(option, RunOption):
        if not option.metavar:
            group.add_argument(option.flag, action="store_true", help=option.help)
        else:
            group.add_argument(
                option.flag, metavar=option.metavar, default=option.default, help=option.help
            )
        return
    group.add_argument(
        option.flag, metavar=option.metavar, choices=option.choices, help=option.flag_help
    )


def parse_args(argv: list[str]) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def query_asked(args: argparse.Namespace) -> bool:
    """--query or one of its filters was given: a headless search of the journal (a filter
    alone is refused there, naming --query)."""
    return any(getattr(args, name) is not None for name in vars(args) if name.startswith("query"))


def settings_from_args(args: argparse.Namespace, base: Settings | None = None) -> Settings:
    """`base` (defaults, or saved settings) with every flag given applied through its check."""
    base = base or Settings()
    kind = _storage_kind(args, base.storage)
    changes: dict[str, dict[str, object]] = {group: {} for group in table.GROUPS}
    for setting in table.SETTINGS:
        text = getattr(args, setting.dest) if setting.flag else None
        if text is not None:
            changes[setting.group][setting.name] = setting.from_flag(text)
    if kind is not None:
        changes["storage"]["kind"] = kind
    if kind is StorageKind.S3:
        # Headless S3 keys come from the standard AWS chain (env vars, profiles).
        changes["storage"].update(access_key="", secret_key=Secret())
    return Settings(
        **{group: replace(getattr(base, group), **changes[group]) for group in table.GROUPS}
    ).validated()


def storage_flags_given(args: argparse.Namespace) -> bool:
    """Whether any flag that selects a storage kind (--storage-dir, the S3 flags) was given."""
    return bool(_selecting(args))


def _selecting(args: argparse.Namespace) -> list[Setting[Any]]:
    return [
        s for s in table.SETTINGS if s.flag and s.only_for and getattr(args, s.dest) is not None
    ]


def _storage_kind(args: argparse.Namespace, storage: StorageSettings) -> StorageKind | None:
    """The storage kind the flags select, if any: local with --storage-dir, S3 with the S3
    flags (never both), which need a bucket (from the flag or the base settings)."""
    given = _selecting(args)
    kinds = {s.only_for for s in given}
    if len(kinds) > 1:
        local = _flags(StorageKind.LOCAL)
        raise ConfigError("storage", f"choose {local} or the S3 flags, not both")
    if StorageKind.S3 in kinds and not (getattr(args, table.BUCKET.dest) or storage.bucket):
        raise ConfigError(table.BUCKET.field, f"required with {_flags(StorageKind.S3)}")
    return kinds.pop() if kinds else None


def _flags(kind: StorageKind) -> str:
    """The flags that select `kind` (but for the bucket's), as "--a, --b or --c"."""
    flags = [
        s.flag for s in table.SETTINGS if s.flag and s.only_for is kind and s is not table.BUCKET
    ]
    return flags[0] if len(flags) == 1 else f"{', '.join(flags[:-1])} or {flags[-1]}"


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


def parse_spool_keep(value: str | None) -> int:
    """--spool-keep-mb as bytes (the default bound when not given); 0 keeps no uploaded
    image."""
    if value is None:
        return DEFAULT_KEEP_UPLOADED_BYTES
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = -1.0
    if not 0 <= megabytes <= SPOOL_CAP_MAX_MB:  # nan and inf fail it too
        raise ConfigError("spool_keep_mb", RULE_SPOOL_KEEP, value)
    return round(megabytes * 1e6)


KEEP_DAYS_MAX = 100_000  # about 270 years: past it, a date overflows


def parse_keep_days(value: str) -> int:
    """--keep-days: whole days, 0 for keeping everything."""
    text = value.strip()
    days = int(text) if re.fullmatch(r"[0-9]{1,6}", text) else -1  # no "²", no 5,000 digits
    if not 0 <= days <= KEEP_DAYS_MAX:
        raise ConfigError("keep_days", f"a whole number of days, 0 to {KEEP_DAYS_MAX}", value)
    return days


def answer_mode_from_args(args: argparse.Namespace) -> AnswerMode:
    """The embedded webhook's answer, from --webhook-answer and --webhook-reject-bad-checksum."""
    reject = bool(args.webhook_reject_bad_checksum)
    if args.webhook_answer is None:
        return AnswerMode(reject_bad_checksum=reject)
    return AnswerMode.parse(args.webhook_answer, reject_bad_checksum=reject)


def relay_answer_from_args(args: argparse.Namespace, forward_to: str) -> bool:
    """--relay-answer, which means nothing without a forward target to relay from."""
    relay = bool(args.relay_answer)
    if relay and not forward_to:
        raise ConfigError("relay_answer", "needs --forward-to URL (the answer it relays)")
    return relay


def parse_seconds(field: str, value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= SECONDS_MAX:  # also refuses nan
        raise ConfigError(field, RULE_SECONDS, value)
    return seconds
