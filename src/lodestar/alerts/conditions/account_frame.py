"""The accounts one date's rules look at, and their snapshot values on any stored date (each column read
once, aligned to those accounts).

The accounts are the rows of the date's snapshot (all of them, or the ones asked for): an account with no
row that day has no stage, so no rule watches it. Every form answers one value per account, in this order.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from lodestar.analytics import snapshot_store

# A weekly history serves: the date compared with may be up to this many days before the window's start.
COMPARE_TOLERANCE_DAYS = 7
Reads = list[tuple[date, str]]  # the (date, column) pairs a condition reads of the snapshot store


class AccountFrame:
    """The accounts of a date's snapshot, their values on stored dates, and the date's windows in the
    company's time zone."""

    def __init__(
        self,
        session: Session,
        root: Path,
        as_of: date,
        zone: tzinfo,
        account_ids: Collection[int] | None = None,
    ) -> None:
        self.session, self.root, self.as_of, self.zone = session, root, as_of, zone
        # Asked about some accounts (after a one-account recompute), a date may hold only a patch.
        self.restricted = account_ids is not None
        self._asked = None if account_ids is None else np.unique(np.asarray(list(account_ids), np.int64))
        self.dates = snapshot_store.dates(root, patched=self.restricted)
        self._cache: dict[tuple[date, str], pa.Array] = {}
        self._absent: set[tuple[date, str]] = set()  # columns a date's snapshot lacks
        self.ids = np.zeros(0, dtype=np.int64)

    def open(self, reads: Collection[tuple[date, str]] = ()) -> AccountFrame:
        """Reads the accounts of as_of and, at once per date, every (date, column) the rules need."""
        wanted: dict[date, list[str]] = {self.as_of: []}
        for day, name in dict.fromkeys(reads):
            wanted.setdefault(day, []).append(name)
        head = self._read(self.as_of, wanted[self.as_of]) if self.as_of in self.dates else None
        ids = head.column("account_id") if head is not None else pa.array([], pa.int64())
        self.ids = np.asarray(pc.cast(ids, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
        self._keep(self.as_of, wanted.pop(self.as_of), head)
        for day, names in wanted.items():
            self.load(day, names)
        return self

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def scoped_ids(self) -> list[int] | None:
        """The accounts to pass to a service that reads rows: None for every account."""
        return self.ids.tolist() if self.restricted else None

    def _read(self, day: date, columns: list[str]) -> pa.Table | None:
        if self._asked is not None:
            return snapshot_store.read_accounts(self.root, day, self._asked, ["account_id", *columns])
        names = set(snapshot_store.column_names(self.root, day))
        return snapshot_store.read(self.root, day, ["account_id", *(c for c in columns if c in names)])

    def _keep(self, day: date, names: list[str], table: pa.Table | None) -> None:
        """Caches a date's columns aligned to the frame's accounts (nulls for what the table lacks)."""
        index: pa.Array | None = None
        for name in dict.fromkeys(names):
            if table is None or name not in table.column_names:
                self._cache[(day, name)] = pa.nulls(len(self.ids))
                self._absent.add((day, name))
                continue
            values = table.column(name).combine_chunks()
            if day == self.as_of:  # the frame's own rows, in their order
                self._cache[(day, name)] = values
                continue
            if index is None:
                pos, hit = self.positions(table.column("account_id"), among=False)
                index = pa.array(pos, mask=~hit)
            self._cache[(day, name)] = values.take(index)

    def load(self, day: date, names: Collection[str]) -> None:
        """Reads these columns of a date at once (those not read yet)."""
        missing = [n for n in dict.fromkeys(names) if (day, n) not in self._cache]
        if missing:
            self._keep(day, missing, self._read(day, missing) if day in self.dates else None)

    def column(self, day: date, name: str) -> pa.Array:
        """Each account's value of a snapshot column on a stored date (null where the date, the column or
        the account's row is missing)."""
        self.load(day, [name])
        return self._cache[(day, name)]

    def has(self, day: date, name: str) -> bool:
        """Whether the date's snapshot has the column (read, like `column`, once)."""
        self.column(day, name)
        return (day, name) not in self._absent

    def flags(self, day: date, name: str) -> np.ndarray:
        """A true/false column as bool (False where null)."""
        values = pc.fill_null(pc.cast(self.column(day, name), pa.bool_()), False)
        return np.asarray(values.to_numpy(zero_copy_only=False), dtype=bool)

    def numbers(self, day: date, name: str) -> np.ndarray:
        """A column as float64 (NaN where null)."""
        values = pc.cast(self.column(day, name), pa.float64())
        return np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64)

    def positions(
        self, ids: pa.Array | pa.ChunkedArray | np.ndarray | list[int], among: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """With among=True: each given id's position in this frame and whether it is there. With
        among=False (`ids` sorted): each frame account's position in `ids` and whether it is there."""
        other = np.asarray(
            pc.cast(pa.array(ids) if isinstance(ids, list | np.ndarray) else ids, pa.int64()).to_numpy(
                zero_copy_only=False
            ),
            dtype=np.int64,
        )
        known, wanted = (self.ids, other) if among else (other, self.ids)
        if not len(known):
            return np.zeros(len(wanted), np.int64), np.zeros(len(wanted), bool)
        pos = np.clip(np.searchsorted(known, wanted), 0, len(known) - 1)
        return pos, known[pos] == wanted

    def on_or_before(self, day: date, tolerance_days: int) -> date | None:
        """The newest stored date on or before `day`, no earlier than tolerance_days before it."""
        earliest = day - timedelta(days=tolerance_days)
        found = [d for d in self.dates if earliest <= d <= day]
        return found[-1] if found else None

    def between(self, first: date, last: date) -> list[date]:
        """The stored dates in [first, last], oldest first."""
        return [d for d in self.dates if first <= d <= last]

    def compared(self, days: int) -> date | None:
        """The date a window of `days` compares as_of with: the newest stored on or before as_of - days,
        no more than COMPARE_TOLERANCE_DAYS earlier."""
        return self.on_or_before(self.as_of - timedelta(days=days), COMPARE_TOLERANCE_DAYS)

    def baseline(self, days: int) -> list[date]:
        """The stored dates of the `days` days before as_of (as_of excluded)."""
        return self.between(self.as_of - timedelta(days=days), self.as_of - timedelta(days=1))

    def instant(self, day: date) -> datetime:
        """The first instant of a company-zone day."""
        return datetime.combine(day, time(0), self.zone)

    def last_days(self, days: int, before: int = 0) -> tuple[datetime, datetime]:
        """[start, stop) of the `days` company-zone days that end `before` days before as_of (inclusive)."""
        end = self.as_of - timedelta(days=before)
        return self.instant(end - timedelta(days=days - 1)), self.instant(end + timedelta(days=1))

    def local_day(self, instant: datetime) -> date:
        """The company-zone date of an instant."""
        return instant.astimezone(self.zone).date()
