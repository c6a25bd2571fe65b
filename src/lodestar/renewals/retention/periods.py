"""Reporting periods (month, quarter, year), each labelled by its start: `2025-07`, `2025-Q3`, `2025`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

PeriodKind = Literal["month", "quarter", "year"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("month", "quarter", "year")
MONTHS: dict[PeriodKind, int] = {"month": 1, "quarter": 3, "year": 12}
DEFAULT_COUNT: dict[PeriodKind, int] = {"month": 12, "quarter": 8, "year": 3}


@dataclass(frozen=True)
class Period:
    """[start, end): the first day of the period and the first day of the next one."""

    label: str
    start: date
    end: date


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after day's month (day is a first of month)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def start_of(kind: PeriodKind, day: date) -> date:
    """The first day of the period holding the day."""
    month = day.month - (day.month - 1) % MONTHS[kind]
    return date(day.year, month, 1)


def label_of(kind: PeriodKind, start: date) -> str:
    """The period's label: `2025-07`, `2025-Q3` or `2025`."""
    if kind == "month":
        return f"{start.year}-{start.month:02d}"
    if kind == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def period_at(kind: PeriodKind, day: date) -> Period:
    """The period holding the day."""
    start = start_of(kind, day)
    return Period(label_of(kind, start), start, add_months(start, MONTHS[kind]))


def periods_between(kind: PeriodKind, first: date, last: date) -> list[Period]:
    """Every period from the one holding `first` to the one holding `last`."""
    out = [period_at(kind, first)]
    while out[-1].end <= last:
        out.append(period_at(kind, out[-1].end))
    return out


def default_first(kind: PeriodKind, last: date) -> date:
    """The start of the default range: 12 months, 8 quarters or 3 years ending with `last`'s period."""
    return add_months(start_of(kind, last), -MONTHS[kind] * (DEFAULT_COUNT[kind] - 1))


_LABEL = re.compile(r"^(\d{4})(?:-(\d{2})|-Q([1-4]))?$")


def parse_label(label: str) -> tuple[PeriodKind, Period] | None:
    """The kind and period a label names, or None when it names none."""
    found = _LABEL.match(label.strip())
    if not found:
        return None
    year = int(found.group(1))
    if found.group(2):
        month = int(found.group(2))
        if not 1 <= month <= 12 or year < 1900:
            return None
        return "month", period_at("month", date(year, month, 1))
    if found.group(3):
        return "quarter", period_at("quarter", date(year, (int(found.group(3)) - 1) * 3 + 1, 1))
    return ("year", period_at("year", date(year, 1, 1))) if year >= 1900 else None


def trailing_year(as_of: date) -> Period:
    """The twelve months up to as_of: [the same day a year before, as_of)."""
    try:
        start = as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February
        start = as_of.replace(year=as_of.year - 1, day=28) + timedelta(days=1)
    return Period(f"T12M {start.isoformat()}..{as_of.isoformat()}", start, as_of)
