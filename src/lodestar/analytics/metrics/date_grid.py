"""The as-of dates of one computation, and the day -> date index tables that count over them in one pass.

A fact that holds on days [start, end) (day numbers) is counted at every as-of date inside the interval.
Each interval becomes +weight at the first date >= start and -weight at the first date >= end, so one
running sum per account over the dates gives every date's value: 52 dates cost one pass, not 52.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import ibis.expr.types as ir
import pyarrow as pa

from lodestar.analytics.engines.engine import AnalyticsEngine
from lodestar.kit.time import day_number

OFFSETS = (0, 7, 30, 60, 90, 180)  # every window start and end the event metrics need, in days


@dataclass(frozen=True)
class Grid:
    """Sorted distinct as-of dates as day numbers; g is a date's index."""

    dates: tuple[date, ...]

    @classmethod
    def of(cls, as_of_dates: Sequence[date]) -> Grid:
        """The grid of these dates (sorted, duplicates removed)."""
        if not as_of_dates:
            raise ValueError("as_of_dates must hold at least one date")
        return cls(tuple(sorted(set(as_of_dates))))

    @property
    def days(self) -> list[int]:
        """Day numbers of the dates."""
        return [day_number(d) for d in self.dates]

    @property
    def lo(self) -> int:
        """The first date's day number."""
        return self.days[0]

    @property
    def hi(self) -> int:
        """The last date's day number."""
        return self.days[-1]

    def table(self, engine: AnalyticsEngine) -> ir.Table:
        """(g, gday, as_of) for every date."""
        data = pa.table(
            {
                "g": pa.array(range(len(self.dates)), pa.int64()),
                "gday": pa.array(self.days, pa.int64()),
                "as_of": pa.array(self.dates, pa.date32()),
            }
        )
        return engine.table("grid", data)

    def offsets(self, engine: AnalyticsEngine) -> ir.Table:
        """(day, g0, g7, g30, g60, g90, g180) for days lo-180..hi: g<o> indexes the first date >= day + o."""
        days = self.days
        span = list(range(self.lo - max(OFFSETS), self.hi + 1))
        data = {"day": pa.array(span, pa.int32())}
        for o in OFFSETS:
            data[f"g{o}"] = pa.array([bisect_left(days, d + o) for d in span], pa.int64())
        return engine.table("grid_offsets", pa.table(data))

    def lookup(self, engine: AnalyticsEngine) -> ir.Table:
        """(day, g): for each day in lo..hi+1, the index of the first date on or after it."""
        days = self.days
        span = list(range(self.lo, self.hi + 2))
        data = pa.table(
            {
                "day": pa.array(span, pa.int64()),
                "g": pa.array([bisect_left(days, d) for d in span], pa.int64()),
            }
        )
        return engine.table("grid_lookup", data)
