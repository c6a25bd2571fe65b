"""Attainment arithmetic on hand-made milestones: what counts by a date, on time, late, dropped."""

from __future__ import annotations

from datetime import date

from lodestar.success_plans.attainment import MilestoneDates, counts

D = date(2026, 6, 30)


def test_attainment_counts_milestones_due_or_reached_and_those_reached_on_time() -> None:
    plan = [
        MilestoneDates(date(2026, 3, 1), "reached", date(2026, 2, 20)),  # due, on time
        MilestoneDates(date(2026, 4, 1), "reached", date(2026, 4, 10)),  # due, late
        MilestoneDates(date(2026, 5, 1), "missed", None),  # due, not reached
        MilestoneDates(date(2026, 6, 30), "in_progress", None),  # due today, not reached
        MilestoneDates(date(2026, 9, 1), "reached", date(2026, 6, 1)),  # early: counts, on time
        MilestoneDates(date(2026, 9, 1), "planned", None),  # not due yet: left out
        MilestoneDates(date(2026, 3, 1), "dropped", None),  # dropped: never counts
    ]
    found = counts(plan, D)
    assert (found.due, found.on_time, found.late) == (5, 2, 1)
    assert found.ratio == 2 / 5


def test_a_milestone_reached_after_the_date_asked_is_not_reached_yet_on_that_date() -> None:
    plan = [MilestoneDates(date(2026, 3, 1), "reached", date(2026, 3, 1))]
    assert counts(plan, date(2026, 2, 28)).due == 0  # neither due nor reached by then
    assert counts(plan, date(2026, 2, 28)).ratio is None
    assert (counts(plan, date(2026, 3, 1)).on_time, counts(plan, date(2026, 3, 1)).ratio) == (1, 1.0)


def test_no_milestones_give_no_ratio() -> None:
    assert counts([], D).ratio is None
