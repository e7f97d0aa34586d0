"""`--headless --load RATE --duration S --callback-url URL [--users N]`: the flags checked
(each bad one is a ConfigError naming it, exit 2), then one run of the open-loop schedule."""

from __future__ import annotations

import argparse
import asyncio
import math
from dataclasses import dataclass
from typing import TextIO

from capture.errors import ConfigError
from capture.load import report
from capture.load.bodies import Bodies, BodyMaker, Publisher
from capture.load.runner import LoadPlan, Progress, Tally, run
from capture.settings.model import Settings

RATE_MAX = 100_000
DURATION_MAX = 86_400
USERS_MAX = 10_000
USERS_DEFAULT = 64  # enough connections for 1,000/s at 60 ms a webhook answer
RULE_RATE = f"notifications per second, above 0, at most {RATE_MAX}"
RULE_DURATION = f"seconds, above 0, at most {DURATION_MAX} (a day)"
RULE_USERS = f"a whole number of connections, 1 to {USERS_MAX}"


@dataclass(frozen=True)
class LoadRun:
    plan: LoadPlan
    publisher: Publisher


def _number(flag: str, text: str | None, rule: str, top: float) -> float:
    if text is None:
        raise ConfigError(flag, rule)
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(flag, rule, text) from None
    if not math.isfinite(value) or not 0 < value <= top:
        raise ConfigError(flag, rule, text)
    return value


def _users(text: str | None) -> int:
    if text is None:
        return USERS_DEFAULT
    if not text.strip().isdigit() or not 1 <= int(text) <= USERS_MAX:
        raise ConfigError("--users", RULE_USERS, text)
    return int(text)


def parse(args: argparse.Namespace, settings: Settings) -> LoadRun:
    """The run the flags ask for. `settings` gives the channel, uid, prefix and extra info the
    notifications carry (the same flags as a capture run's)."""
    rate = _number("--load", args.load, RULE_RATE, RATE_MAX)
    duration = _number("--duration", args.duration, RULE_DURATION, DURATION_MAX)
    url = settings.callback.url  # checked as an http(s) URL with the other settings
    if not url:
        raise ConfigError("--callback-url", "the webhook to load: an http(s) URL is required")
    plan = LoadPlan(url=url, rate=rate, duration=duration, users=_users(args.users))
    c = settings.capture
    who = Publisher(c.channel, c.uid, settings.storage.prefix, c.extra_info)
    return LoadRun(plan, who)


def execute(load: LoadRun, stderr: TextIO) -> Tally:
    """One run, its progress and summary on `stderr`; the tally's `all_good` is the verdict."""
    bodies = Bodies(BodyMaker(load.plan.url, load.publisher), load.plan.total)

    def progress(tally: Tally, elapsed: float) -> None:
        print(report.progress_line(tally, elapsed), file=stderr, flush=True)

    tally = _loop_run(load.plan, bodies, progress)
    report.print_summary(load.plan, tally, stderr)
    return tally


def _loop_run(plan: LoadPlan, bodies: Bodies, progress: Progress) -> Tally:
    return asyncio.run(run(plan, bodies, progress))
