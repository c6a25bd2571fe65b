"""Caches of figures computed from whole tables, kept while the tables do not change.

A table's fingerprint is its newest `updated_at` (every ORM and Core write stamps it, and an index on it
makes the max a seek) and, for the tables whose deletes matter, its row count: an insert, an update or a
delete changes one of them. (A table whose rows count only through another's, as the accounts count
through their contracts or renewals, which a delete of theirs removes too, is watched by its stamp alone:
counting 100,000 rows costs 10 ms on PostgreSQL.) Read the
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

from sqlalchemy import Table, event, func, select
from sqlalchemy.orm import ORMExecuteState, Session

T = TypeVar("T")


_SEEN = "lodestar.generation.fingerprints"  # session.info: fingerprints read since the session last wrote


def _forget(session: Session, *_: Any) -> None:
    session.info.pop(_SEEN, None)


def _forget_on_write(state: ORMExecuteState) -> None:
    if not state.is_select:
        _forget(state.session)


# A fingerprint is read once per session until it writes or its transaction ends (one page may ask for
# several cached figures: the renewals page's sums and count read one fingerprint, not two).
for _name in ("after_flush", "after_commit", "after_rollback"):
    event.listen(Session, _name, _forget)
event.listen(Session, "do_orm_execute", _forget_on_write)


def fingerprint(session: Session, tables: Sequence[Table], counted: Sequence[Table] = ()) -> tuple[Any, ...]:
    """The newest updated_at of each table and the rows of each counted one, in one statement."""
    if session.autoflush:
        session.flush()  # pending changes first, as a query would (a flush forgets what was seen)
    seen = session.info.setdefault(_SEEN, {})
    key = (tuple(t.name for t in tables), tuple(t.name for t in counted))
    if key not in seen:
        seen[key] = _read(session, tables, counted)
    return seen[key]


def _read(session: Session, tables: Sequence[Table], counted: Sequence[Table]) -> tuple[Any, ...]:
    parts = [select(func.max(table.c.updated_at)).scalar_subquery() for table in tables]
    parts += [select(func.count()).select_from(table).scalar_subquery() for table in counted]
    return tuple(session.execute(select(*parts)).one())


class GenerationCache(Generic[T]):
    """At most `size` values, each kept under its key while the fingerprint of `tables` (rows counted of
    those also in `counted`) stays the same, and at most ttl_s seconds; least recently used dropped first.
    Thread-safe: computing happens unlocked (two requests may compute the same value once each)."""

    def __init__(
        self, tables: Sequence[Table], counted: Sequence[Table] = (), size: int = 16, ttl_s: float = 300.0
    ) -> None:
        self.tables, self.counted, self.size, self.ttl_s = tuple(tables), tuple(counted), size, ttl_s
        self._entries: OrderedDict[Hashable, tuple[float, tuple[Any, ...], T]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: Session, key: Hashable, compute: Callable[[], T]) -> T:
        """The value under key for the tables as they are now, computed when missing or stale."""
        full_key = (str(session.get_bind().engine.url), key)
        now, seen = time.monotonic(), fingerprint(session, self.tables, self.counted)
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
