"""The log-linear latency buckets: exact below 256 µs, under 1 % error above, percentiles that
never under-report, and counts over a threshold."""

from __future__ import annotations

import math
import random

import pytest

from capture.load.histogram import Histogram


def test_small_values_are_exact() -> None:
    hist = Histogram()
    for us in range(1, 101):
        hist.record(us / 1_000_000)
    assert hist.total == 100
    assert hist.percentile(50) == pytest.approx(50e-6)
    assert hist.percentile(100) == pytest.approx(100e-6)


def test_percentiles_are_within_one_percent_and_never_under() -> None:
    rng = random.Random(7)
    samples = [rng.lognormvariate(-3, 1.5) for _ in range(20_000)]  # ~50 ms, a long tail
    hist = Histogram()
    for s in samples:
        hist.record(s)
    ordered = sorted(samples)
    for p in (50, 90, 99, 99.9):
        true = ordered[max(0, math.ceil(len(ordered) * p / 100) - 1)]
        got = hist.percentile(p)
        assert got >= true * (1 - 1e-6) - 1e-6
        assert got <= true * 1.01 + 1e-6
    assert hist.percentile(100) == pytest.approx(max(samples), abs=1e-6)


def test_an_empty_histogram_says_zero() -> None:
    assert Histogram().percentile(99) == 0.0
    assert Histogram().count_over(5.0) == 0


def test_count_over_a_threshold() -> None:
    hist = Histogram()
    for s in (0.1, 1.0, 4.9, 5.2, 6.0, 30.0):
        hist.record(s)
    assert hist.count_over(5.0) == 3


def test_a_huge_or_negative_value_does_not_break_it() -> None:
    hist = Histogram()
    hist.record(-1.0)
    hist.record(10 * 365 * 86400.0)  # ten years
    assert hist.total == 2
    assert hist.percentile(100) > 0
