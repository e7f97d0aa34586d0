"""The ledger of shots in flight: a shot's facts stay until it settles, and a notification
journaled with its upload is handed on once."""

from __future__ import annotations

import threading

import pytest

from capture.delivery.notifier import NotifyJob
from capture.shooting.ledger import Ledger, ShotMeta
from tests.support.waits import JOIN_S

META = ShotMeta(
    sid="0123456789abcdef0123456789abcdef", uid=7, utc="20240102030405006", callback_data="order=9"
)


def job(shot_id: int) -> NotifyJob:
    return NotifyJob(shot_id, f"request-{shot_id}", f"key-{shot_id}", 200, "http://x/cb", b"{}")


def test_a_remembered_shot_stays_in_flight_until_it_settles() -> None:
    ledger = Ledger()
    ledger.remember(1, META)
    assert ledger.meta(1) == META
    assert ledger.meta(1) == META  # reading leaves it there
    assert len(ledger) == 1
    assert ledger.settle(1) == (META, None)  # no notification journaled yet: make it now
    assert len(ledger) == 0


def test_a_journaled_notification_is_handed_on_with_its_shot() -> None:
    ledger = Ledger()
    ledger.remember(1, META)
    ledger.remember(2, META)
    ledger.journaled(1, job(1))
    assert ledger.settle(2) == (META, None)
    assert ledger.settle(1) == (META, job(1))


def test_a_shot_settles_once() -> None:
    ledger = Ledger()
    ledger.remember(1, META)
    ledger.journaled(1, job(1))
    ledger.settle(1)
    with pytest.raises(KeyError):
        ledger.settle(1)
    with pytest.raises(KeyError):
        ledger.meta(1)


def test_shots_never_remembered_are_a_key_error() -> None:
    with pytest.raises(KeyError):
        Ledger().meta(5)


def test_workers_settling_their_own_shots_at_once_each_get_their_own() -> None:
    ledger = Ledger()
    per_worker = 500
    settled: dict[int, list[tuple[ShotMeta, NotifyJob | None]]] = {}

    def worker(n: int) -> None:
        ids = range(n * per_worker, (n + 1) * per_worker)
        for shot_id in ids:
            ledger.remember(shot_id, ShotMeta("sid", shot_id, "utc", ""))
            ledger.journaled(shot_id, job(shot_id))
        settled[n] = [ledger.settle(shot_id) for shot_id in ids]

    threads = [threading.Thread(target=worker, args=(n,), name=f"upload-{n}") for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_S)
    assert not any(thread.is_alive() for thread in threads)
    assert len(ledger) == 0
    for n, results in settled.items():
        ids = list(range(n * per_worker, (n + 1) * per_worker))
        assert [meta.uid for meta, _ in results] == ids
        assert [j.shot_id if j else None for _, j in results] == ids
