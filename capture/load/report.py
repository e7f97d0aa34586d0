"""What the load generator prints on stderr: a progress line a second, and at the end the
latency histogram, its percentiles, errors by kind, the share over the deadline and the
achieved rate against the target."""

from __future__ import annotations

from typing import TextIO

from capture.load.runner import DEADLINE_S, LoadPlan, Tally

PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)
_BAR = 40


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def progress_line(tally: Tally, elapsed: float) -> str:
    rate = tally.sent / elapsed if elapsed > 0 else 0.0
    return (
        f"load: {elapsed:.0f} s: sent {tally.sent}, answered {tally.answered}, "
        f"errors {tally.failed}, rate {rate:.1f}/s, p95 {ms(tally.window.percentile(95))}"
    )


def summary(plan: LoadPlan, tally: Tally) -> list[str]:
    hist = tally.latency
    lines = [
        f"load: {tally.sent} notifications to {plan.url} over {plan.users} connections "
        f"in {tally.finished - tally.started:.1f} s",
        f"rate: {tally.achieved_rate():.1f}/s achieved of {plan.rate:g}/s target "
        f"(dispatch at most {ms(tally.late_dispatch_max)} behind schedule)",
        "latency from the scheduled send time:",
    ]
    for low, high, count in hist.bands():
        bar = "#" * max(1, round(_BAR * count / max(hist.total, 1)))
        lines.append(f"  {ms(low):>10} - {ms(high):>10} {count:>9} {bar}")
    named = ", ".join(f"p{p:g} {ms(hist.percentile(p))}" for p in PERCENTILES)
    lines.append(f"  {named}, max {ms(hist.max_us / 1e6)}")
    over = hist.count_over(DEADLINE_S)
    share = 100 * over / hist.total if hist.total else 0.0
    lines.append(f"over {DEADLINE_S:g} s: {over} ({share:.2f} %)")
    if tally.errors:
        kinds = ", ".join(f"{kind} {n}" for kind, n in tally.errors.most_common())
        lines.append(f"errors: {tally.failed} ({kinds})")
    else:
        lines.append("errors: none: every answer was 200 with a JSON body within 5 s")
    return lines


def print_summary(plan: LoadPlan, tally: Tally, stream: TextIO) -> None:
    for line in summary(plan, tally):
        print(line, file=stream)
