"""The tick plan with a fake clock: shot k at start + k x interval, no drift, late slots skipped
(reported as a range), never fired in a burst."""

from __future__ import annotations

import random

import pytest

from capture.shooting.scheduler import LATE_TOLERANCE_S, TickPlan


class FakeClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self, start: float) -> None:
        self.now = start

    def wait_until(self, due: float, lateness: float = 0.0) -> None:
        self.now = max(self.now, due) + lateness


def test_slots_are_start_plus_k_intervals() -> None:
    plan = TickPlan(start=100.0, interval=10)
    assert [plan.slot(k) for k in range(4)] == [100.0, 110.0, 120.0, 130.0]


def test_first_tick_is_due_at_the_start() -> None:
    plan = TickPlan(start=5.0, interval=3)
    tick, skipped = plan.next_tick(5.0)
    assert (tick.index, tick.due, list(skipped)) == (0, 5.0, [])


def test_no_drift_over_many_ticks_however_late_each_shot_runs() -> None:
    """Each shot starts a little late (jitter); the next is still at start + k x interval."""
    rng = random.Random(7)
    start, interval = 1000.0, 1.0
    clock = FakeClock(start)
    plan = TickPlan(start, interval)
    for k in range(10_000):
        tick, skipped = plan.next_tick(clock.now)
        assert list(skipped) == []
        assert tick.index == k
        assert tick.due == start + k * interval
        # The shot starts up to 0.3 s late and takes time; within the tolerance: nothing skipped.
        clock.wait_until(tick.due, lateness=rng.uniform(0.0, 0.3))
    assert clock.now < start + 10_000 * interval


def test_a_stall_skips_the_missed_slots_as_one_range_and_does_not_burst() -> None:
    plan = TickPlan(start=0.0, interval=1.0)
    assert plan.next_tick(0.0)[0].index == 0
    # The loop stalls: it asks again at 3.7 s, when slots 1, 2 and 3 have passed.
    tick, skipped = plan.next_tick(3.7)
    assert skipped == range(1, 4)
    assert (tick.index, tick.due) == (4, 4.0)  # the next one in the future, not an old one now
    # Afterwards the plan carries on from slot 5; nothing from the stall comes back.
    tick, skipped = plan.next_tick(4.01)
    assert (tick.index, tick.due, list(skipped)) == (5, 5.0, [])


def test_a_slot_late_by_less_than_the_tolerance_is_still_taken() -> None:
    plan = TickPlan(start=0.0, interval=1.0)
    plan.next_tick(0.0)
    tick, skipped = plan.next_tick(1.0 + LATE_TOLERANCE_S * 0.9)
    assert (tick.index, list(skipped)) == (1, [])


def test_a_slot_late_by_more_than_the_tolerance_is_skipped() -> None:
    plan = TickPlan(start=0.0, interval=1.0)
    plan.next_tick(0.0)
    tick, skipped = plan.next_tick(1.0 + LATE_TOLERANCE_S * 1.1)
    assert (tick.index, tick.due, skipped) == (2, 2.0, range(1, 2))


def test_every_slot_is_either_taken_once_or_reported_skipped_once() -> None:
    rng = random.Random(11)
    clock = FakeClock(0.0)
    plan = TickPlan(0.0, 2.0)
    taken: list[int] = []
    reported: list[int] = []
    while clock.now < 5_000:
        tick, skipped = plan.next_tick(clock.now)
        reported += list(skipped)
        taken.append(tick.index)
        stall = rng.choice([0.0, 0.0, 0.0, 0.4, 3.0, 11.0])  # sometimes the loop is held up
        clock.wait_until(tick.due, lateness=stall)
    everything = sorted(taken + reported)
    assert everything == list(range(len(everything)))  # no slot twice, none forgotten
    assert reported, "the stalls should have skipped some slots"


def test_tolerance_is_at_most_half_an_interval() -> None:
    assert TickPlan(0.0, 1.0).tolerance == LATE_TOLERANCE_S == 0.5
    assert TickPlan(0.0, 0.4).tolerance == pytest.approx(0.2)


@pytest.mark.parametrize("interval", [0, -1])
def test_interval_must_be_positive(interval: float) -> None:
    with pytest.raises(ValueError, match="interval"):
        TickPlan(0.0, interval)
