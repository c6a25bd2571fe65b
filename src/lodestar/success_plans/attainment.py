"""Milestone attainment (里程碑达成率) on a date: of the milestones that count by then, the share reached on
or before their target date.

A milestone counts on `as_of` once its target date has come or once it was reached (an early one counts
early); dropped milestones never count. Reached on time: reached on or before the target date (and by
`as_of`). The ratio is None when nothing counts yet: no plan is not a bad plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

DROPPED = "dropped"


@dataclass(frozen=True)
class MilestoneDates:
    """What attainment reads of a milestone."""

    target_on: date
    status: str
    reached_on: date | None


@dataclass(frozen=True)
class Counts:
    """Milestones counted by a date, reached on time and reached late."""

    due: int
    on_time: int
    late: int

    @property
    def ratio(self) -> float | None:
        """On time over due (None: nothing due)."""
        return self.on_time / self.due if self.due else None


def counts(milestones: Iterable[MilestoneDates], as_of: date) -> Counts:
    """Attainment counts of one account's milestones on `as_of`."""
    due = on_time = late = 0
    for m in milestones:
        if m.status == DROPPED:
            continue
        reached = m.reached_on is not None and m.reached_on <= as_of
        if m.target_on > as_of and not reached:
            continue
        due += 1
        if reached and m.reached_on is not None:
            if m.reached_on <= m.target_on:
                on_time += 1
            else:
                late += 1
    return Counts(due, on_time, late)
