"""A stopwatch for the phases of a long job: seconds (wall and CPU) per named phase, and the rows each one
wrote."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


class PhaseClock:
    """Times named phases; a phase started inside another pauses it, so the phases add up to the whole.

    A phase entered several times (once per date of a backfill) adds up under its one name, in the order
    phases first started. CPU seconds are the process's (every thread: DuckDB's too): on a busy machine they
    say what a phase costs where wall seconds also count the wait for a core.
    """

    def __init__(self) -> None:
        self._seconds: dict[str, float] = {}
        self._cpu: dict[str, float] = {}
        self._rows: dict[str, int] = {}
        self._stack: list[tuple[str, float, float]] = []

    def _stop_top(self, now: float, cpu: float) -> None:
        if self._stack:
            name, since, cpu_since = self._stack[-1]
            self._seconds[name] = self._seconds.get(name, 0.0) + now - since
            self._cpu[name] = self._cpu.get(name, 0.0) + cpu - cpu_since

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Times the block under this name (the enclosing phase is paused meanwhile)."""
        now, cpu = time.perf_counter(), time.process_time()
        self._stop_top(now, cpu)
        self._seconds.setdefault(name, 0.0)
        self._stack.append((name, now, cpu))
        try:
            yield
        finally:
            now, cpu = time.perf_counter(), time.process_time()
            self._stop_top(now, cpu)
            self._stack.pop()
            if self._stack:
                self._stack[-1] = (self._stack[-1][0], now, cpu)

    def each(self, name: str, items: Iterable[T]) -> Iterator[T]:
        """The items, the time spent producing each one (a lazy generator's work) counted under name."""
        iterator = iter(items)
        while True:
            with self.phase(name):
                try:
                    item = next(iterator)
                except StopIteration:
                    return
            yield item

    def add(self, name: str, seconds: float, cpu_seconds: float = 0.0) -> None:
        """Adds seconds timed elsewhere (a commit, which ends a block) to a phase."""
        self._seconds[name] = self._seconds.get(name, 0.0) + seconds
        self._cpu[name] = self._cpu.get(name, 0.0) + cpu_seconds

    def count(self, name: str, rows: int) -> None:
        """Adds rows written to a phase's tally."""
        self._rows[name] = self._rows.get(name, 0) + rows

    def report(self) -> list[dict[str, Any]]:
        """[{name, seconds, cpu_seconds, rows}] in the order the phases first started (rows None where none
        counted)."""
        return [
            {
                "name": name,
                "seconds": round(seconds, 4),
                "cpu_seconds": round(self._cpu.get(name, 0.0), 4),
                "rows": self._rows.get(name),
            }
            for name, seconds in self._seconds.items()
        ]
