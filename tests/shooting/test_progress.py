"""A session's counters: waiters wake on changes from other threads, and `settled` means
nothing is open."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from capture.shooting.progress import Progress
from tests.support.waits import JOIN_S


def waiting(
    progress: Progress, predicate: Callable[[Progress], bool]
) -> tuple[threading.Thread, list[bool]]:
    """A thread blocked in `wait_for(predicate)`; its answer lands in the list."""
    answers: list[bool] = []
    thread = threading.Thread(
        target=lambda: answers.append(progress.wait_for(predicate, JOIN_S)), name="waiter"
    )
    thread.start()
    return thread, answers


def test_a_waiter_wakes_when_another_thread_makes_its_condition_true() -> None:
    progress = Progress()
    thread, answers = waiting(progress, lambda p: p.shots >= 3)
    for _ in range(3):
        progress.update(shots=1)
    thread.join(JOIN_S)
    assert not thread.is_alive()
    assert answers == [True]
    assert progress.shots == 3


def test_finishing_the_capture_wakes_its_waiters() -> None:
    progress = Progress()
    thread, answers = waiting(progress, lambda p: p.capture_done)
    progress.finish_capture()
    thread.join(JOIN_S)
    assert answers == [True]


def test_a_condition_never_met_gives_up_after_the_timeout() -> None:
    progress = Progress()
    progress.update(shots=1)
    assert not progress.wait_for(lambda p: p.shots > 1, 0.05)


def test_a_condition_already_true_returns_at_once() -> None:
    assert Progress().wait_for(lambda p: p.settled, 0)


def test_settled_only_once_every_upload_and_notification_has_finished() -> None:
    progress = Progress()
    assert progress.settled
    progress.update(shots=1, open_uploads=1)
    assert not progress.settled
    progress.update(uploaded=1, open_uploads=-1, open_notifies=1)  # handed on in one step
    assert not progress.settled
    progress.update(notified=1, open_notifies=-1)
    assert progress.settled


def test_one_update_moves_several_counters() -> None:
    progress = Progress()
    progress.update(missed=2, open_notifies=2)
    progress.update(notify_failed=1, notified=1, open_notifies=-2)
    assert (progress.missed, progress.notified, progress.notify_failed) == (2, 1, 1)
    assert progress.open_notifies == 0


def test_a_misspelt_counter_is_an_error_not_a_new_counter() -> None:
    progress = Progress()
    with pytest.raises(AttributeError):
        progress.update(uplodaed=1)
    assert not hasattr(progress, "uplodaed")


def test_summary_reports_open_work_as_pending() -> None:
    progress = Progress()
    progress.update(rounds=1, shots=2, open_uploads=2)
    progress.update(uploaded=1, open_uploads=-1, open_notifies=1)
    assert progress.summary() == {
        "shots": 2,
        "missed": 0,
        "uploaded": 1,
        "notified": 0,
        "notify_failed": 0,
        "pending_uploads": 1,
        "pending_notifications": 1,
    }
