"""The GUI thread's collector: automatic collection off while it runs, long-lived objects frozen
after each wave of imports (so a full collection does not rescan every library), all of it
undone on release."""

from __future__ import annotations

import gc
import sys
import types
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject

from gui.gc_guard import GuiThreadCollector


@pytest.fixture
def collector(qapp: QObject) -> Iterator[GuiThreadCollector]:
    assert gc.isenabled()
    made = GuiThreadCollector(qapp)
    try:
        yield made
    finally:
        made.release()


def test_check_freezes_what_exists_and_freezes_again_after_new_imports(
    collector: GuiThreadCollector,
) -> None:
    assert not gc.isenabled()
    collector.check()
    frozen = gc.get_freeze_count()
    assert frozen > 0
    library = [[n] for n in range(1000)]  # made later, by no import: not frozen yet
    collector.check()
    # Nothing new frozen (the list would add 1,000); frozen objects another thread frees
    # meanwhile (pytest-xdist's, say) may lower the count a little.
    assert gc.get_freeze_count() < frozen + len(library)
    sys.modules["_shothook_test_library"] = types.ModuleType("_shothook_test_library")
    try:
        collector.check()  # a new module: what exists now, the list included, is frozen
        assert gc.get_freeze_count() >= frozen + len(library)
    finally:
        del sys.modules["_shothook_test_library"]


def test_release_unfreezes_and_turns_automatic_collection_back_on(qapp: QObject) -> None:
    made = GuiThreadCollector(qapp)
    made.check()
    assert gc.get_freeze_count() > 0
    made.release()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
