"""Event metrics from the daily roll-ups: counts, distinct active users, key features, last activity."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from lodestar.analytics.engine import AnalyticsEngine
from lodestar.analytics.grid import Grid, deltas

EVENT_WINDOWS = (7, 30, 90, 180)
USER_WINDOWS = (7, 30, 90)
TRAINING_EVENT = "Training Completed"
SUMMED = (
    [f"events_{n}d" for n in EVENT_WINDOWS]
    + ["events_prev_30d"]
    + [f"active_users_{n}d" for n in USER_WINDOWS]
    + ["key_features_used_30d", "trained_users"]
)


def _distinct_deltas(rows: ir.Table, keys: list[str], window: int, metric: str, grid: Grid, lookup: ir.Table) -> ir.Table:
    """Deltas counting distinct `keys` seen within `window` days, per group_id."""
    with_prev = rows.mutate(prev=rows.day.lag().over(ibis.window(group_by=keys, order_by=rows.day)))
    start = ibis.greatest(with_prev.day, ibis.coalesce(with_prev.prev + window, with_prev.day))
    return deltas(with_prev, "group_id", start, with_prev.day + window, ibis.literal(1), metric, grid, lookup)


def usage_deltas(engine: AnalyticsEngine, grid: Grid, lookup: ir.Table, key_features: tuple[str, ...]) -> ir.Table:
    """All summed event metrics as long (k=group_id, g, metric, v) deltas."""
    acc = engine.rollup("accounts")
    acc = acc.filter((acc.day <= grid.hi) & (acc.day > grid.lo - max(EVENT_WINDOWS)))
    parts = [deltas(acc, "group_id", acc.day, acc.day + n, acc.events, f"events_{n}d", grid, lookup) for n in EVENT_WINDOWS]
    parts.append(deltas(acc, "group_id", acc.day + 30, acc.day + 60, acc.events, "events_prev_30d", grid, lookup))
    users = engine.rollup("users")
    users = users.filter((users.day <= grid.hi) & (users.day > grid.lo - max(USER_WINDOWS)))
    users = users.select("group_id", "user_id", "day")
    for n in USER_WINDOWS:
        parts.append(_distinct_deltas(users, ["group_id", "user_id"], n, f"active_users_{n}d", grid, lookup))
    usage = engine.rollup("usage")
    if key_features:
        used = usage.filter(usage.feature.isin(list(key_features)) & (usage.day <= grid.hi) & (usage.day > grid.lo - 30))
        used = used.select("group_id", "feature", "day").distinct()
        parts.append(_distinct_deltas(used, ["group_id", "feature"], 30, "key_features_used_30d", grid, lookup))
    trained = usage.filter((usage.feature == TRAINING_EVENT) & usage.user_id.notnull() & (usage.day <= grid.hi))
    trained = trained.group_by(["group_id", "user_id"]).aggregate(day=trained.day.min())
    parts.append(deltas(trained, "group_id", trained.day, ibis.literal(grid.hi + 1), ibis.literal(1), "trained_users", grid, lookup))
    out = parts[0]
    for part in parts[1:]:
        out = out.union(part)
    return out


def last_activity(engine: AnalyticsEngine, grid: Grid, lookup: ir.Table) -> ir.Table:
    """(group_id, g, last_day): the latest active day mapped to the first grid date it reaches."""
    acc = engine.rollup("accounts")
    acc = acc.filter(acc.day <= grid.hi)
    acc = acc.select("group_id", s=acc.day.cast("int64").clip(grid.lo, grid.hi + 1), day=acc.day.cast("int64"))
    joined = acc.join(lookup.select(s=lookup.day, g=lookup.g), "s")
    return joined.group_by(["group_id", "g"]).aggregate(last_day=joined.day.max())
