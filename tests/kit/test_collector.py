"""The collector's pace: start-up imports frozen with the collector paused, batch work with fewer passes."""

import gc

import pytest

from lodestar.kit.collector import BATCH_THRESHOLD, batch_pace, frozen_imports


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()  # the frozen objects go back to the oldest generation, as they were
    gc.enable()


def test_frozen_imports_pause_the_collector_and_freeze_what_the_body_made(unfrozen):
    before = gc.get_freeze_count()
    with frozen_imports():
        assert not gc.isenabled()
        made = [[i] for i in range(1000)]  # tracked containers the body keeps
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before + len(made)


def test_frozen_imports_leave_a_paused_collector_paused(unfrozen):
    gc.disable()
    with frozen_imports():
        pass
    assert not gc.isenabled()


def test_frozen_imports_freeze_nothing_when_the_body_fails(unfrozen):
    before = gc.get_freeze_count()
    with pytest.raises(ImportError), frozen_imports():
        raise ImportError("no module named nowhere")
    assert gc.isenabled()
    assert gc.get_freeze_count() == before


def test_batch_pace_raises_the_young_threshold_and_puts_it_back():
    before = gc.get_threshold()
    with batch_pace():
        young, *older = gc.get_threshold()
        assert young == max(before[0], BATCH_THRESHOLD)
        assert tuple(older) == before[1:]
    assert gc.get_threshold() == before


def test_batch_pace_puts_the_threshold_back_after_a_failure():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), batch_pace():
        raise RuntimeError("run failed")
    assert gc.get_threshold() == before
