"""The garbage collector's pace for start-up and for batch work.

CPython's collector runs a pass every 700 container allocations and, now and then, a full pass that walks
every tracked object still alive. Two kinds of work make those passes costly: a command's start, which
imports over a thousand modules whose objects live as long as the process, and a batch run, which reads
hundreds of thousands of rows as short-lived tuples. Neither creates much cyclic garbage.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between two young passes in batch work: the rows a run reads die young, before a pass
# sees them, so fewer passes find the same garbage.
BATCH_THRESHOLD = 10_000


@contextmanager
def frozen_imports() -> Iterator[None]:
    """Pauses the collector while the body imports, then freezes what it made (gc.freeze): every later
    pass skips those objects."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if was_on:
            gc.enable()


@contextmanager
def batch_pace() -> Iterator[None]:
    """Young passes every BATCH_THRESHOLD allocations instead of every 700 while the body runs."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], BATCH_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
