"""Day numbers and 'today' in a zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from lodestar.kit.time import EPOCH, day_number, from_day_number, today_in


def test_day_numbers_round_trip_from_the_epoch():
    assert day_number(EPOCH) == 0
    assert day_number(date(2026, 11, 30)) == 20_787
    assert from_day_number(20_787) == date(2026, 11, 30)


def test_today_depends_on_the_zone():
    far_east, far_west = timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))
    now = datetime.now(UTC).date()
    assert today_in(far_east) - today_in(far_west) in (timedelta(days=1), timedelta(days=2))
    assert now - timedelta(days=1) <= today_in(far_west) <= now
