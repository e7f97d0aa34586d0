"""--load: the open-loop rate holds, a slow webhook grows latency but not the schedule, bad
answers are errors (exit 1), bad flags exit 2 naming the flag."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from capture.cli import headless
from capture.cli.exits import Exit
from capture.cli.flags import parse_args
from capture.load import command
from capture.load.bodies import Publisher
from capture.load.runner import LoadPlan
from capture.spec.naming import is_request_id, parse_object_key
from capture.spec.payload import checksum
from tests.load.conftest import Webhook

ROOT = Path(__file__).resolve().parents[2]


def _valid(hook: Webhook, body: dict[str, object]) -> bool:
    expected = checksum(
        hook.url, int(str(body["code"])), str(body["object"]), str(body["requestId"])
    )
    parse_object_key(str(body["object"]))
    return body["checksum"] == expected and is_request_id(str(body["requestId"]))


def _run(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    code = headless.run(parse_args(["--headless", *argv]), stderr=err)
    return code, err.getvalue()


def test_rate_holds_within_5_percent_for_10_s_at_200_per_s(webhook: Webhook) -> None:
    done = subprocess.run(
        [sys.executable, "main.py", "--headless", "--load", "200", "--duration", "10",
         "--callback-url", webhook.url],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == Exit.OK, done.stderr
    times = [t for t, _ in webhook.arrivals]
    assert len(times) == 2000
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert abs(rate - 200) / 200 < 0.05, rate
    for second in range(9):  # and every second of it, not only on average
        inside = [t for t in times if times[0] + second <= t < times[0] + second + 1]
        assert abs(len(inside) - 200) <= 10, (second, len(inside))
    bodies = [b for _, b in webhook.arrivals]
    assert len({b["requestId"] for b in bodies}) == 2000
    assert all(_valid(webhook, b) for b in bodies)
    assert "p99.9" in done.stderr and "200/s target" in done.stderr
    assert "load: 1 s: sent" in done.stderr  # the progress line


def test_slow_webhook_grows_latency_not_the_schedule(webhook: Webhook) -> None:
    webhook.delay_s = 0.2  # 2 connections: 10 answers a second, half the rate asked for
    plan = command.LoadRun(LoadPlan(webhook.url, rate=20, duration=1.0, users=2), Publisher())
    tally = command.execute(plan, io.StringIO())
    assert tally.sent == 20 and tally.all_good
    assert abs(tally.achieved_rate() - 20) / 20 < 0.05
    assert tally.late_dispatch_max < 0.1
    # A closed loop would report 0.2 s throughout; queued behind the schedule, the last
    # ones waited about a second longer.
    assert tally.latency.percentile(50) > 0.3
    assert tally.latency.max_us / 1e6 > 0.8


@pytest.mark.parametrize(
    ("answer", "kind"), [({"status": 201}, "status 201"), ({"text": True}, "not JSON")]
)
def test_bad_answers_are_errors_and_exit_1(
    webhook: Webhook, answer: dict[str, object], kind: str
) -> None:
    for name, value in answer.items():
        setattr(webhook, name, value)
    code, err = _run(["--load", "50", "--duration", "0.4", "--callback-url", webhook.url])
    assert code == Exit.FAILED
    assert f"errors: 20 ({kind} 20)" in err


def test_not_found_answers_are_errors(webhook: Webhook) -> None:
    url = webhook.url.replace("/cb", "/missing")
    code, err = _run(["--load", "20", "--duration", "0.2", "--callback-url", url])
    assert code == Exit.FAILED and "status 404" in err


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["--load", "0", "--duration", "1"], "--load"),
        (["--load", "abc", "--duration", "1"], "--load"),
        (["--load", "inf", "--duration", "1"], "--load"),
        (["--load", "10", "--duration", "-1"], "--duration"),
        (["--load", "10"], "--duration"),
        (["--duration", "1"], "--load"),
        (["--load", "10", "--duration", "1", "--users", "0"], "--users"),
        (["--load", "10", "--duration", "1", "--users", "two"], "--users"),
    ],
)
def test_bad_arguments_exit_2_naming_the_flag(argv: list[str], flag: str) -> None:
    code, err = _run([*argv, "--callback-url", "http://127.0.0.1:9/cb"])
    assert code == Exit.CONFIG
    assert err.count("\n") == 1 and err.startswith(f"shothook: {flag}:"), err


def test_missing_or_bad_callback_url_exits_2() -> None:
    code, err = _run(["--load", "10", "--duration", "1"])
    assert code == Exit.CONFIG and "--callback-url" in err
    code, err = _run(["--load", "10", "--duration", "1", "--callback-url", "ftp://x"])
    assert code == Exit.CONFIG and "callback" in err and err.count("\n") == 1
