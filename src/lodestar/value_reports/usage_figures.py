"""Process data of a period from the event roll-ups (`<rollup_dir>/usage/<day>.parquet`: group, user, feature,
day, events): usage volume, active users, logins (a user active on a day counts once), every feature's events,
every user's events (for the teams) and the events per week (quarter) or month (year) for the chart. One
DuckDB query reads the period's files for every account asked for, so a batch of reports reads them once."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb

from lodestar.analytics.rollups import ensure_days
from lodestar.kit.time import day_number, from_day_number


@dataclass
class PeriodUsage:
    """One account's usage in a period."""

    events: int = 0
    active_users: int = 0
    logins: int = 0
    features: dict[str, int] = field(default_factory=dict)
    by_day: dict[date, int] = field(default_factory=dict)
    by_user: dict[str, int] = field(default_factory=dict)  # events of each active user (their teams' sums)


def usage_files(rollup_dir: Path, start: date, through: date) -> list[str]:
    """The usage roll-up files of the days from `start` to `through` that exist."""
    days = (start + timedelta(days=n) for n in range((through - start).days + 1))
    paths = (rollup_dir / "usage" / f"{d.isoformat()}.parquet" for d in days)
    return [str(p) for p in paths if p.exists()]


_SQL = """
WITH u AS (SELECT group_id, user_id, feature, day, events FROM read_parquet(?) WHERE group_id IN ({marks}))
SELECT 'f' AS what, group_id, feature AS name, NULL::INTEGER AS day, sum(events)::BIGINT AS n
  FROM u GROUP BY ALL
UNION ALL SELECT 'd', group_id, NULL, day, sum(events)::BIGINT FROM u GROUP BY ALL
UNION ALL SELECT 'a', group_id, NULL, NULL, count(DISTINCT user_id)::BIGINT FROM u GROUP BY ALL
UNION ALL SELECT 'l', group_id, NULL, NULL, count(DISTINCT (user_id, day))::BIGINT FROM u
  WHERE user_id IS NOT NULL GROUP BY ALL
UNION ALL SELECT 'u', group_id, user_id, NULL, sum(events)::BIGINT FROM u
  WHERE user_id IS NOT NULL GROUP BY ALL
"""


def period_usage(
    rollup_dir: Path, group_ids: Collection[str], start: date, through: date, events_dir: Path | None = None
) -> dict[str, PeriodUsage]:
    """Each of these groups' usage from `start` to `through` (a group without events is left out).

    Days a first build deferred are written first, from the event store (by default beside the roll-ups)."""
    events = events_dir or rollup_dir.parent / "events"
    ensure_days(events, rollup_dir, day_number(start), day_number(through))
    files, wanted = usage_files(rollup_dir, start, through), sorted(set(group_ids))
    if not files or not wanted:
        return {}
    sql = _SQL.format(marks=", ".join("?" for _ in wanted))
    with duckdb.connect() as con:
        rows = con.execute(sql, [files, *wanted]).fetchall()
    found: dict[str, PeriodUsage] = {}
    for what, group_id, name, day, n in rows:
        usage = found.setdefault(group_id, PeriodUsage())
        if what == "f":
            usage.features[name or ""] = int(n)
            usage.events += int(n)
        elif what == "d":
            usage.by_day[from_day_number(day)] = int(n)
        elif what == "a":
            usage.active_users = int(n)
        elif what == "u":
            usage.by_user[name] = int(n)
        else:
            usage.logins = int(n)
    return found


def buckets(by_day: dict[date, int], start: date, through: date, monthly: bool) -> list[tuple[str, int]]:
    """Events per month (a year) or per 7-day block from the start (a quarter), zeros kept, oldest first."""
    totals: dict[date, int] = {}
    day = start
    while day <= through:
        first = day.replace(day=1) if monthly else start + timedelta(days=7 * ((day - start).days // 7))
        totals[first] = totals.get(first, 0) + by_day.get(day, 0)
        day += timedelta(days=1)
    return [(d.isoformat(), n) for d, n in totals.items()]
