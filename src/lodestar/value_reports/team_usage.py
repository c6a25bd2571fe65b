"""The customer's own teams in a period: each active user's team, and the users and events per team.

A user's team is what the customer's own tracking says: the first of the configured traits (`department`,
then `team`) present on the user's latest `identify` call of the account (or of no account) up to the
period's end, read from the event store (identify traits are never rolled up). The period's events per
user come from the roll-ups, as every other usage figure of the report. One DuckDB query serves every
account asked for, so a batch reads the identify calls once per chunk of accounts.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from lodestar.analytics.event_store import files_between
from lodestar.value_reports.schemas import TeamFigures, TeamLine
from lodestar.value_reports.usage_figures import usage_files


@dataclass
class TeamUsage:
    """One account's active users of the period by team (None: users whose team nobody named)."""

    users: dict[str | None, int] = field(default_factory=dict)
    events: dict[str | None, int] = field(default_factory=dict)


# `said`: each identify call's team, the first configured trait it carries (blank values are no team). A
# call names the user of its group; one stored without a group (the user's group not known yet) names the
# user wherever that user id is active, so user ids reused across accounts keep their own teams.
_SQL = """
WITH u AS (
  SELECT group_id, user_id, sum(events)::BIGINT AS events FROM read_parquet(?)
  WHERE group_id IN ({groups}) AND user_id IS NOT NULL GROUP BY ALL
),
said AS (
  SELECT group_id, user_id, "timestamp", nullif(trim(coalesce({traits})), '') AS team
  FROM read_parquet(?, union_by_name = true)
  WHERE type = 'identify' AND traits IS NOT NULL AND "timestamp" < ?
    AND user_id IN (SELECT user_id FROM u)
),
known AS (
  SELECT u.group_id, u.user_id, arg_max(said.team, said."timestamp") AS team
  FROM u JOIN said ON said.user_id = u.user_id AND coalesce(said.group_id, u.group_id) = u.group_id
  WHERE said.team IS NOT NULL GROUP BY ALL
)
SELECT u.group_id, known.team, count(*)::BIGINT AS users, sum(u.events)::BIGINT AS events
FROM u LEFT JOIN known USING (group_id, user_id) GROUP BY ALL
"""


def team_usage(
    events_dir: Path,
    rollup_dir: Path,
    group_ids: Collection[str],
    start: date,
    through: date,
    zone: ZoneInfo,
    traits: list[str],
) -> dict[str, TeamUsage]:
    """Each of these groups' active users and events of the period by team (groups without usage, and
    every group when no trait is configured or no identify call was stored, are left out)."""
    rollups, wanted = usage_files(rollup_dir, start, through), sorted(set(group_ids))
    # Every UTC day up to the day after `through`: east of UTC the company's last day ends on it.
    identified = [str(p) for p in files_between(events_dir, None, through + timedelta(days=1))]
    if not rollups or not wanted or not traits or not identified:
        return {}
    ends = datetime.combine(through + timedelta(days=1), time(), zone).astimezone(UTC)  # company's day ends
    sql = _SQL.format(
        groups=", ".join("?" for _ in wanted),
        traits=", ".join("json_extract_string(traits, ?)" for _ in traits),
    )
    paths = [f"$.{t}" for t in traits]
    with duckdb.connect() as con:
        rows = con.execute(sql, [rollups, *wanted, *paths, identified, ends]).fetchall()
    found: dict[str, TeamUsage] = {}
    for group_id, team, users, events in rows:
        usage = found.setdefault(group_id, TeamUsage())
        usage.users[team], usage.events[team] = int(users), int(events)
    return {g: u for g, u in found.items() if any(team is not None for team in u.users)}


def team_figures(usage: TeamUsage | None, top: int) -> TeamFigures | None:
    """The teams ranked by events per active user (then more users, then by name), the first `top` listed
    and the rest counted; None when no user's team is known."""
    if usage is None:
        return None
    named = [(t, n, usage.events[t]) for t, n in usage.users.items() if t is not None]
    if not named:
        return None
    named.sort(key=lambda x: (-x[2] / x[1], -x[1], x[0]))
    lines = [
        TeamLine(rank=i, name=t, active_users=n, events=e, events_per_user=e / n)
        for i, (t, n, e) in enumerate(named[:top], start=1)
    ]
    rest = named[top:]
    return TeamFigures(
        teams=lines,
        other_teams=len(rest),
        other_users=sum(n for _, n, _ in rest),
        users_without_team=usage.users.get(None, 0),
    )
