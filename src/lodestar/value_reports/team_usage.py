"""The customer's own teams in a period: each active user's team, and the users and events per team.

A user's team is what the customer's own tracking says: the first of the configured traits (`department`,
then `team`) present on the user's latest `identify` call of the account (or of no account) up to the
period's end, read from the event store (identify traits are never rolled up). The active users and their
events are the period's roll-up figures (usage_figures), handed in. One DuckDB query serves every account
asked for, so a batch reads the identify calls once per chunk of accounts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

from lodestar.analytics.event_store import files_between
from lodestar.value_reports.schemas import TeamFigures, TeamLine


@dataclass
class TeamUsage:
    """One account's active users of the period by team (None: users whose team nobody named)."""

    users: dict[str | None, int] = field(default_factory=dict)
    events: dict[str | None, int] = field(default_factory=dict)


# `said`: each identify call's team, the first configured trait it carries (blank values are no team). A
# call names the user of its group; one stored without a group (the user's group not known yet) names the
# user wherever that user id is active, so user ids reused across accounts keep their own teams.
# The identify calls are taken out of the scan first (MATERIALIZED): filtering the few of them on time and
# users costs a fraction of pushing those filters into the scan of every event.
_SQL = """
WITH calls AS MATERIALIZED (
  SELECT group_id, user_id, "timestamp", traits FROM read_parquet(?)
  WHERE type = 'identify' AND traits IS NOT NULL
),
said AS (
  SELECT group_id, user_id, "timestamp", nullif(trim(coalesce({traits})), '') AS team
  FROM calls WHERE "timestamp" < ? AND user_id IN (SELECT user_id FROM active)
),
known AS (
  SELECT a.group_id, a.user_id, arg_max(said.team, said."timestamp") AS team
  FROM active a JOIN said ON said.user_id = a.user_id AND coalesce(said.group_id, a.group_id) = a.group_id
  WHERE said.team IS NOT NULL GROUP BY ALL
)
SELECT a.group_id, known.team, count(*)::BIGINT AS users, sum(a.events)::BIGINT AS events
FROM active a LEFT JOIN known USING (group_id, user_id) GROUP BY ALL
"""


def team_usage(
    events_dir: Path,
    active: Mapping[str, Mapping[str, int]],
    through: date,
    zone: ZoneInfo,
    traits: list[str],
) -> dict[str, TeamUsage]:
    """The active users (group -> user -> events of the period) and their events by team, per group; a
    group none of whose users names a team is left out (all are, with no trait or no identify call)."""
    pairs = [(g, u, n) for g, users in active.items() for u, n in users.items()]
    # Every UTC day up to the day after `through`: east of UTC the company's last day ends on it.
    files = [str(p) for p in files_between(events_dir, None, through + timedelta(days=1))]
    if not pairs or not traits or not files:
        return {}
    ends = datetime.combine(through + timedelta(days=1), time(), zone).astimezone(UTC)
    table = pa.table(
        {
            "group_id": pa.array([g for g, _, _ in pairs], pa.string()),
            "user_id": pa.array([u for _, u, _ in pairs], pa.string()),
            "events": pa.array([n for _, _, n in pairs], pa.int64()),
        }
    )
    sql = _SQL.format(traits=", ".join("json_extract_string(traits, ?)" for _ in traits))
    with duckdb.connect() as con:
        con.register("active", table)
        rows = con.execute(sql, [files, *(f"$.{t}" for t in traits), ends]).fetchall()
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
