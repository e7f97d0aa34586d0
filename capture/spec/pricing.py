"""The cost estimate for screenshot upload, from the spec's pricing.

$0.30 per 10,000 screenshots, the first 10,000 a month free; above 500 QPS, $1.50 for each
QPS over 500. A month is taken as 30 days. `users` publishers each take one screenshot every
`interval` seconds, so the steady rate is users / interval screenshots per second.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PRICE_PER_10K_SHOTS = Decimal("0.30")
FREE_SHOTS_PER_MONTH = 10_000
PRICE_PER_QPS = Decimal("1.50")
FREE_QPS = 500
DAYS_PER_MONTH = 30
_SECONDS_PER_MONTH = DAYS_PER_MONTH * 24 * 3600
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class CostEstimate:
    shots_per_month: int
    billable_shots: int
    shots_cost: Decimal
    qps: Decimal
    billable_qps: int
    qps_cost: Decimal

    @property
    def total(self) -> Decimal:
        return self.shots_cost + self.qps_cost

    def describe(self) -> str:
        """One line for the window, e.g. '$7.48 a month: 259,200 screenshots (10,000 free)'."""
        shots = f"{self.shots_per_month:,} screenshots a month"
        free = (
            "all within the free 10,000"
            if not self.billable_shots
            else f"{self.billable_shots:,} billed at $0.30 per 10,000"
        )
        qps = f"{self.qps.normalize():f} QPS"
        qps_note = (
            f"{self.billable_qps:,} QPS over 500 at $1.50"
            if self.billable_qps
            else "no QPS charge under 500"
        )
        return f"${self.total:,.2f} a month: {shots}, {free}; {qps}, {qps_note}"


def estimate(interval_s: int, users: int = 1) -> CostEstimate:
    """Monthly cost for `users` publishers shooting every `interval_s` seconds."""
    if interval_s < 1:
        raise ValueError(f"interval must be at least 1 s, got {interval_s}")
    if users < 0:
        raise ValueError(f"users must be 0 or more, got {users}")
    shots = users * (_SECONDS_PER_MONTH // interval_s)
    billable = max(0, shots - FREE_SHOTS_PER_MONTH)
    shots_cost = (PRICE_PER_10K_SHOTS * billable / 10_000).quantize(_CENT, ROUND_HALF_UP)
    qps = (Decimal(users) / Decimal(interval_s)).quantize(Decimal("0.001"), ROUND_HALF_UP)
    over = max(0, -(-users // interval_s) - FREE_QPS)  # whole QPS over 500, rounded up
    return CostEstimate(
        shots_per_month=shots,
        billable_shots=billable,
        shots_cost=shots_cost,
        qps=qps,
        billable_qps=over,
        qps_cost=PRICE_PER_QPS * over,
    )
