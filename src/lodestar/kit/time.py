"""Time helpers: everything is timezone-aware; 'now' is asked for once, at the edge."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

# Day numbers count days since this date; the analytical store and the engines use them as plain integers.
EPOCH = date(1970, 1, 1)


def utcnow() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


def today_in(zone: tzinfo) -> date:
    """Today's date in a time zone (the company's: 'today' for a team in Shanghai is not UTC's)."""
    return datetime.now(zone).date()


def as_utc(value: datetime) -> datetime:
    """Returns the instant in UTC; a naive value is refused rather than guessed."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: a time zone is required")
    return value.astimezone(UTC)


def days_between(start: date, end: date) -> int:
    """Whole days from start to end (negative when end is earlier)."""
    return (end - start).days


def day_number(day: date) -> int:
    """The day's number counted from EPOCH."""
    return (day - EPOCH).days


def from_day_number(number: int) -> date:
    """The date of a day number counted from EPOCH."""
    return EPOCH + timedelta(days=int(number))
