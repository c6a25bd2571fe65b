"""Report periods: a quarter (`2026Q3`) or a calendar year (`2026`), and the days a report covers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from lodestar.kit.errors import InvalidInput
from lodestar.kit.text import N_, Text

_SHAPE = re.compile(r"^(\d{4})(?:Q([1-4]))?$")


@dataclass(frozen=True)
class Period:
    """A report period: its key, kind, first and last day, and the last day with figures (`through`)."""

    key: str
    kind: str  # "quarter" or "year"
    start: date
    end: date
    through: date

    @property
    def complete(self) -> bool:
        """Whether the period has ended (else the report is "to date")."""
        return self.through == self.end

    def next(self) -> Period:
        """The period after this one, of the same kind (its `through` is its end)."""
        following = self.end + timedelta(days=1)
        key = (
            f"{following.year}Q{(following.month - 1) // 3 + 1}"
            if self.kind == "quarter"
            else str(following.year)
        )
        return bounds(key)


def bounds(key: str) -> Period:
    """The period a key names, whole (through = end); refused naming the field `period` when malformed."""
    found = _SHAPE.match(key.strip().upper()) if key else None
    if not found or not 2000 <= int(found.group(1)) <= 2100:
        raise InvalidInput.one(
            "period", Text(N_("is not a quarter (2026Q3) or a year (2026): %(value)s"), value=key)
        )
    year = int(found.group(1))
    if found.group(2) is None:
        return Period(str(year), "year", date(year, 1, 1), date(year, 12, 31), date(year, 12, 31))
    quarter = int(found.group(2))
    start = date(year, 3 * quarter - 2, 1)
    end = (date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)) - timedelta(days=1)
    return Period(f"{year}Q{quarter}", "quarter", start, end, end)


def parse(key: str, today: date) -> Period:
    """The period of a report made today: refused when it starts after today; a running period is reported
    to date (through = today)."""
    period = bounds(key)
    if period.start > today:
        raise InvalidInput.one(
            "period",
            Text(
                N_("%(period)s is in the future (today is %(today)s)"),
                period=period.key,
                today=today.isoformat(),
            ),
        )
    return Period(period.key, period.kind, period.start, period.end, min(period.end, today))


def annual_offer(today: date) -> str:
    """The year an annual report offered today covers: this year once its first quarter is over, else last
    year (a January report of a few weeks would show little)."""
    return str(today.year if today.month > 3 else today.year - 1)


def last_quarter(today: date) -> str:
    """The last quarter that has ended by today."""
    start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1) - timedelta(days=1)
    return f"{start.year}Q{(start.month - 1) // 3 + 1}"
