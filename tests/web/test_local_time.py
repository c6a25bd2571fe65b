"""One way to show an instant: the company's zone, stated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from lodestar.web.local_time import local_time


def test_an_instant_is_shown_in_the_company_zone_with_the_zone_named() -> None:
    moment = datetime(2026, 3, 1, 6, 22, tzinfo=UTC)
    assert local_time(moment, ZoneInfo("Asia/Shanghai")) == "2026-03-01 14:22 UTC+8"
    assert local_time(moment, ZoneInfo("Asia/Kolkata"), "time") == "11:52 UTC+5:30"
    assert local_time(moment, timezone(timedelta(hours=-5)), "second") == "2026-03-01 01:22:00 UTC-5"
    assert local_time(moment, UTC) == "2026-03-01 06:22 UTC"


def test_a_naive_stored_value_is_read_as_utc_and_none_as_a_dash() -> None:
    assert local_time(datetime(2026, 3, 1, 6, 22), ZoneInfo("Asia/Shanghai")) == "2026-03-01 14:22 UTC+8"
    assert local_time(None, UTC) == "—"
