"""Caches of figures computed from whole tables, kept while the tables do not change.

A table's fingerprint is its row count and its newest `updated_at` (every ORM and Core write stamps it,
and an index on it makes the max a seek): an insert, an update or a delete changes one of them. Read the
fingerprint before the data, so figures are never kept under a newer fingerprint than the data they were
computed from. One gap remains on PostgreSQL: a transaction that commits after a later-stamped one without
adding or removing rows leaves the fingerprint as it was, so every entry also expires after TTL seconds.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


def fingerprint(session: Session, tables: Sequence[Table]) -> tuple[Any, ...]:
    """(rows, newest updated_at) of each table, in one statement."""
    parts = []
    for table in tables:
        parts.append(select(func.count()).select_from(table).scalar_subquery())
        parts.append(select(func.max(table.c.updated_at)).scalar_subquery())
    return tuple(session.execute(select(*parts)).one())


class GenerationCache(Generic[T]):
    """At most `size` values, each kept under its key while the fingerprint of `tables` stays the same (and
    at most ttl_s seconds); least recently used dropped first. Thread-safe: computing happens unlocked (two
    requests may compute the same value once each)."""

    def __init__(self, tables: Sequence[Table], size: int = 16, ttl_s: float = 300.0) -> None:
        self.tables, self.size, self.ttl_s = tuple(tables), size, ttl_s
        self._entries: OrderedDict[Hashable, tuple[float, tuple[Any, ...], T]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: Session, key: Hashable, compute: Callable[[], T]) -> T:
        """The value under key for the tables as they are now, computed when missing or stale."""
        full_key = (str(session.get_bind().engine.url), key)
        now, seen = time.monotonic(), fingerprint(session, self.tables)
        with self._lock:
            found = self._entries.get(full_key)
            if found is not None and found[1] == seen and now - found[0] < self.ttl_s:
                self._entries.move_to_end(full_key)
                return found[2]
        value = compute()
        with self._lock:
            self._entries[full_key] = (now, seen, value)
            self._entries.move_to_end(full_key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forgets every value."""
        with self._lock:
            self._entries.clear()
