"""The cost estimate follows the spec's pricing: per-10,000 screenshots with 10,000 free, and a
QPS charge only above 500."""

from __future__ import annotations

from decimal import Decimal

import pytest

from capture.spec.pricing import estimate


def test_default_interval_one_user_pays_for_shots_beyond_the_free_10000() -> None:
    cost = estimate(10, 1)
    assert cost.shots_per_month == 259_200  # 30 days x 86,400 s / 10 s
    assert cost.billable_shots == 249_200
    assert cost.shots_cost == Decimal("7.48")  # 249,200 x $0.30 / 10,000 = 7.476
    assert cost.qps == Decimal("0.1")
    assert cost.qps_cost == 0
    assert cost.total == Decimal("7.48")


def test_slow_capture_stays_within_the_free_allowance() -> None:
    cost = estimate(3600, 1)
    assert cost.shots_per_month == 720
    assert cost.billable_shots == 0
    assert cost.total == 0
    assert "all within the free 10,000" in cost.describe()


def test_exactly_10000_shots_is_free_and_one_more_is_billed() -> None:
    assert estimate(2592, 10).shots_per_month == 10_000
    assert estimate(2592, 10).total == 0
    assert estimate(2592, 11).billable_shots == 1_000


def test_users_multiply_the_shots() -> None:
    assert estimate(10, 4).shots_per_month == 4 * estimate(10, 1).shots_per_month


def test_qps_up_to_500_is_free_and_each_qps_over_costs_1_50() -> None:
    assert estimate(1, 500).qps_cost == 0
    assert estimate(1, 501).qps_cost == Decimal("1.50")
    at_1000 = estimate(1, 1000)
    assert at_1000.billable_qps == 500
    assert at_1000.qps_cost == Decimal("750.00")
    assert at_1000.total == at_1000.shots_cost + Decimal("750.00")
    assert "500 QPS over 500 at $1.50" in at_1000.describe()


def test_a_fraction_of_a_qps_over_500_counts_as_a_whole_one() -> None:
    assert estimate(2, 1001).qps == Decimal("500.5")
    assert estimate(2, 1001).billable_qps == 1


def test_describe_states_the_total_and_the_volume() -> None:
    text = estimate(10, 1).describe()
    assert text.startswith("$7.48 a month: 259,200 screenshots a month")
    assert "0.1 QPS, no QPS charge under 500" in text


@pytest.mark.parametrize(("interval", "users"), [(0, 1), (-5, 1), (10, -1)])
def test_impossible_inputs_are_refused(interval: int, users: int) -> None:
    with pytest.raises(ValueError, match=r"interval|users"):
        estimate(interval, users)
