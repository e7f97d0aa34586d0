"""The window finds the keyring when a secret is first needed, not at start-up."""

from __future__ import annotations

import threading

from capture.settings.store import DeferredSecrets, SecretStore, SessionSecrets


class Counting:
    def __init__(self) -> None:
        self.made = 0
        self.lock = threading.Lock()

    def __call__(self) -> SecretStore:
        with self.lock:
            self.made += 1
        return SessionSecrets("test")


def test_the_store_is_made_on_first_use_and_only_once() -> None:
    make = Counting()
    secrets = DeferredSecrets(make)
    assert make.made == 0 and not secrets.made
    secrets.set("s3:aws:AKID", "shh")
    assert secrets.get("s3:aws:AKID") == "shh"
    assert "this session only" in secrets.where
    assert secrets.persistent is False
    assert make.made == 1


def test_threads_asking_at_once_share_one_store() -> None:
    make = Counting()
    secrets = DeferredSecrets(make)
    start = threading.Barrier(8)

    def ask() -> None:
        start.wait()
        secrets.set("account", "value")

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert make.made == 1
    assert secrets.get("account") == "value"


def test_what_the_window_changes_reaches_the_store_made() -> None:
    secrets = DeferredSecrets(lambda: SessionSecrets("test"))
    secrets.persistent = True
    secrets.where = "somewhere else"
    made = secrets.resolve()
    assert made.persistent is True
    assert made.where == "somewhere else"
