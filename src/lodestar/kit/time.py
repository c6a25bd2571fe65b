"""Time helpers: everything is timezone-aware; 'now' is asked for once, at the edge."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Returns the instant in UTC; a naive value is refused rather than guessed."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: a time zone is required")
    return value.astimezone(UTC)


def days_between(start: date, end: date) -> int:
    """Whole days from start to end (negative when end is earlier)."""
    return (end - start).days
