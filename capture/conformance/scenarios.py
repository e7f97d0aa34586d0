"""The scenarios, in the order they run: each sends real notifications and grades what came
back by the real service's rule (capture.spec.delivery), with one sentence saying why.

A scenario names the one property it checks; a webhook that answers every request wrongly
fails most of them, each saying what its own requests got.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from capture.conformance import tls
from capture.conformance.context import Context
from capture.conformance.grading import (
    Verdict,
    answered_in,
    failed,
    most_common,
    passed,
    warned,
)
from capture.conformance.probe import Exchange
from capture.conformance.shots import Who
from capture.load.histogram import Histogram
from capture.settings.rules import (
    CHANNEL_MAX_BYTES,
    CHANNEL_SPECIALS,
    EXTRA_INFO_MAX_BYTES,
    PREFIX_MAX_CHARS,
    UID_MAX,
)
from capture.spec.delivery import DEADLINE_S
from capture.spec.naming import parse_utc_digits
from capture.spec.payload import CODE_INCOMPLETE

Run = Callable[[Context], Awaitable[Verdict]]
RETRY_WORDS = "the real service counts that a failure and sends it again, 3 attempts in all"
INCOMPLETE_MSG = "no screenshot: no frame in the interval"


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    run: Run


def _one(x: Exchange, what: str) -> Verdict:
    if x.fault:
        return failed(f"{what} was not delivered: {x.fault}; {RETRY_WORDS}")
    return passed(f"{what} answered 200 with a JSON body in {answered_in(x)}")


async def complete(ctx: Context) -> Verdict:
    return _one(await ctx.deliver(ctx.shots.new()), "a complete notification (code 200)")


async def incomplete(ctx: Context) -> Verdict:
    note = ctx.shots.new(code=CODE_INCOMPLETE, msg=INCOMPLETE_MSG)
    return _one(await ctx.send(ctx.shots.body(note)), "a 206 notification (no screenshot)")


async def retry(ctx: Context) -> Verdict:
    note = ctx.shots.new()
    first = await ctx.deliver(note)
    again = await ctx.send(ctx.shots.body(note))
    if first.fault:
        return failed(f"the first delivery already failed: {first.fault}")
    if again.fault:
        return failed(
            f"the retry of a requestId it already had was refused: {again.fault}; a real "
            "retry comes when an answer was lost or late, and refusing it makes the real "
            "service send it again"
        )
    return passed("the same requestId delivered again was answered 200 + JSON both times")


async def concurrent_retries(ctx: Context) -> Verdict:
    body = ctx.shots.body(note := ctx.shots.new())
    await ctx.shots.upload([note])
    answers = await ctx.all_at_once([body, body, body])
    spread = max(x.started for x in answers) - min(x.started for x in answers)
    bad = [x for x in answers if x.fault]
    facts = {"spread_ms": round(spread * 1000, 1)}
    if bad:
        return failed(
            f"{len(bad)} of 3 concurrent deliveries of one requestId failed: {most_common(bad)}",
            **facts,
        )
    return passed(
        f"3 deliveries of one requestId within {spread * 1000:.0f} ms all answered", **facts
    )


def _limit_cases(who: Who) -> list[tuple[str, Who]]:
    multibyte = "界" * ((EXTRA_INFO_MAX_BYTES - 1) // 3)  # 3 bytes each in UTF-8
    extra = multibyte + "x" * (EXTRA_INFO_MAX_BYTES - len(multibyte.encode()))
    core = f"ch {CHANNEL_SPECIALS.strip()}"  # a space inside, every punctuation allowed
    channel = core + "x" * (CHANNEL_MAX_BYTES - len(core))
    half = PREFIX_MAX_CHARS // 2
    prefix = "A" * (half - 1) + "/" + "B" * (PREFIX_MAX_CHARS - half)
    return [
        (
            f"extraInfo of {len(extra.encode())} bytes (multi-byte UTF-8)",
            _with(who, extra_info=extra),
        ),
        (
            f"a {len(channel)}-byte channel with every allowed punctuation",
            _with(who, channel=channel),
        ),
        (f"uid {UID_MAX}", _with(who, uid=UID_MAX)),
        (f"a prefix of {len(prefix)} characters", _with(who, prefix=prefix)),
    ]


def _with(who: Who, **fields: object) -> Who:
    return replace(who, **fields)  # type: ignore[arg-type]


async def limits(ctx: Context) -> Verdict:
    cases = _limit_cases(ctx.shots.who)
    choked = []
    for what, who in cases:
        x = await ctx.deliver(ctx.shots.new(who=who))
        if x.fault:
            choked.append(f"{what}: {x.fault}")
    if choked:
        return failed("chokes on fields at their limits: " + "; ".join(choked))
    return passed("fields at their limits accepted: " + ", ".join(w for w, _ in cases))


async def timestamps(ctx: Context) -> Verdict:
    digits, unix = ctx.shots.new(), ctx.shots.new()
    unix_ms = round(parse_utc_digits(unix.utc).timestamp() * 1000)
    bad = []
    if (x := await ctx.deliver(digits)).fault:
        bad.append(f"as 17 digits ({digits.utc}): {x.fault}")
    if (x := await ctx.deliver(unix, timestamp=unix_ms)).fault:
        bad.append(f"as Unix milliseconds ({unix_ms}): {x.fault}")
    if bad:
        return failed("refuses a timestamp form the service may send: " + "; ".join(bad))
    return passed("accepts the timestamp as 17 digits and as Unix milliseconds")


async def forged_checksum(ctx: Context) -> Verdict:
    genuine = await ctx.deliver(note := ctx.shots.new())
    real = note.body(ctx.url)["checksum"]
    forged = await ctx.deliver(ctx.shots.new(), checksum=_flipped(real))
    if genuine.fault:
        return warned(f"cannot tell: a genuine notification was refused too ({genuine.fault})")
    if forged.delivered:
        return warned(
            "accepts forged callbacks: a notification with a wrong checksum was answered 200 + "
            "JSON; verify md5(callbackAddr + code + object + requestId) and refuse a mismatch"
        )
    return passed(f"refused the forged checksum ({forged.fault}) and accepted the genuine one")


def _flipped(hex_digest: str) -> str:
    first = "0" if hex_digest[0] != "0" else "1"
    return first + hex_digest[1:]


async def out_of_order(ctx: Context) -> Verdict:
    older_at = datetime.now(UTC) - timedelta(minutes=1)
    older = ctx.shots.new(at=older_at)
    newer = ctx.shots.new()
    first = await ctx.deliver(newer)
    late = await ctx.deliver(older)
    if first.fault:
        return failed(f"the newer notification was not delivered: {first.fault}")
    if late.fault:
        return failed(
            f"an older notification after a newer one was refused: {late.fault}; deliveries "
            "are concurrent and retried, so they do arrive out of order"
        )
    return passed("an older notification after a newer one was accepted")


async def burst(ctx: Context) -> Verdict:
    notes = ctx.shots.many(ctx.options.burst)
    await ctx.shots.upload(notes)
    answers = await ctx.all_at_once([ctx.shots.body(n) for n in notes])
    slowest = max(x.seconds for x in answers)
    bad = [x for x in answers if x.fault]
    facts = {"sent": len(answers), "failed": len(bad), "slowest_s": round(slowest, 3)}
    if bad:
        return failed(
            f"{len(bad)} of {len(answers)} concurrent notifications were not delivered: "
            f"{most_common(bad)}",
            **facts,
        )
    return passed(
        f"all {len(answers)} concurrent notifications answered, slowest {slowest:.2f} s", **facts
    )


async def sustained(ctx: Context) -> Verdict:
    rate, seconds = ctx.options.sustain_rate, ctx.options.sustain_seconds
    notes = ctx.shots.many(max(1, round(rate * seconds)))
    await ctx.shots.upload(notes)
    latency = Histogram()
    answers = await _open_loop(ctx, [ctx.shots.body(n) for n in notes], rate, latency)
    bad = [x for x in answers if x.fault]
    over = latency.count_over(DEADLINE_S)
    facts = {
        "rate": rate,
        "seconds": seconds,
        "sent": len(answers),
        "errors": len(bad),
        "over_deadline": over,
        "over_deadline_share": round(over / len(answers), 4),
        **{f"p{p}_s": round(latency.percentile(p), 4) for p in (50, 95, 99)},
        "max_s": round(latency.max_us / 1e6, 4),
    }
    shape = (
        f"p50 {facts['p50_s'] * 1000:.0f} ms, p95 {facts['p95_s'] * 1000:.0f} ms, "
        f"p99 {facts['p99_s'] * 1000:.0f} ms, max {facts['max_s'] * 1000:.0f} ms"
    )
    if bad:
        return failed(
            f"{len(bad)} of {len(answers)} notifications at {rate:g}/s failed ({over} over "
            f"{DEADLINE_S:g} s): {most_common(bad)}; {shape}",
            **facts,
        )
    return passed(
        f"{len(answers)} notifications at {rate:g}/s for {seconds:g} s all answered: {shape}",
        **facts,
    )


async def _open_loop(
    ctx: Context, bodies: list[bytes], rate: float, latency: Histogram
) -> list[Exchange]:
    """Notification k sent at start + k/rate whatever the webhook does; its latency counts from
    that instant, so a webhook that slows down shows it instead of slowing the schedule."""
    start = time.monotonic()

    async def one(k: int, body: bytes) -> Exchange:
        await asyncio.sleep(max(0.0, start + k / rate - time.monotonic()))
        x = await ctx.send(body)
        latency.record(time.monotonic() - (start + k / rate))
        return x

    return list(await asyncio.gather(*(one(k, b) for k, b in enumerate(bodies))))


async def answer_shape(ctx: Context) -> Verdict:
    x = await ctx.deliver(ctx.shots.new())
    kind = x.content_type or "no Content-Type"
    facts = {"status": x.status, "content_type": x.content_type}
    if x.status is None:
        return failed(f"no answer: {x.error}", **facts)
    shown = x.answer_body[:40].decode("utf-8", "replace")
    if x.status != 200:
        return failed(
            f"answers {x.status} ({kind}): only status 200 counts as delivered; {RETRY_WORDS}",
            **facts,
        )
    if x.fault:
        return failed(
            f"answers 200 {kind} with {shown!r}, which is not JSON; {RETRY_WORDS}", **facts
        )
    return passed(f"answers 200 with a JSON body ({kind})", **facts)


async def tls_check(ctx: Context) -> Verdict:
    return await tls.grade(ctx.url, ctx.probe.tls)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("complete", "a complete notification (code 200)", complete),
    Scenario("incomplete", "a 206 notification (no screenshot)", incomplete),
    Scenario("retry", "the same requestId again, as the real retry", retry),
    Scenario("concurrent-retries", "three deliveries of one requestId at once", concurrent_retries),
    Scenario("limits", "fields at their limits", limits),
    Scenario("timestamp", "timestamp as 17 digits and as Unix milliseconds", timestamps),
    Scenario("forged-checksum", "a tampered checksum", forged_checksum),
    Scenario("out-of-order", "an older notification after a newer one", out_of_order),
    Scenario("burst", "many notifications at once", burst),
    Scenario("sustained", "a steady rate for a while", sustained),
    Scenario("answer-shape", "status exactly 200 and a JSON body", answer_shape),
    Scenario("tls", "the certificate and protocol (https only)", tls_check),
)
NAMES = tuple(s.name for s in SCENARIOS)
