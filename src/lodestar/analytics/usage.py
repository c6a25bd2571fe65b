"""Event metrics from the daily roll-ups: counts, distinct active users, key features, last activity."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa

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


def _windows(engine: AnalyticsEngine, name: str, rows: list[tuple[str, int, int]]) -> ir.Table:
    """A tiny (metric, a, b) table: each input row is spread over every window in one scan."""
    data = pa.table({"metric": [r[0] for r in rows], "a": [r[1] for r in rows], "b": [r[2] for r in rows]})
    return engine.table(name, data)


def _distinct_spans(rows: ir.Table, keys: list[str], windows: ir.Table) -> ir.Table:
    """Spans counting distinct `keys` seen within each window (a = b = window days), disjoint via lag."""
    rows = rows.mutate(prev=rows.day.lag().over(ibis.window(group_by=keys, order_by=rows.day)))
    rows = rows.cross_join(windows)
    start = ibis.greatest(rows.day, ibis.coalesce(rows.prev + rows.b, rows.day))
    return rows.select(k=rows.group_id, metric=rows.metric, s=start, e=rows.day + rows.b, w=ibis.literal(1))


def _only(table: ir.Table, groups: list[str] | None) -> ir.Table:
    return table if groups is None else table.filter(table.group_id.isin(groups))


def usage_deltas(
    engine: AnalyticsEngine,
    grid: Grid,
    lookup: ir.Table,
    key_features: tuple[str, ...],
    groups: list[str] | None = None,
) -> ir.Table:
    """All summed event metrics as long (k=group_id, g, metric, v) deltas; `groups` narrows the read."""
    acc = _only(engine.rollup("accounts"), groups)
    acc = acc.filter((acc.day <= grid.hi) & (acc.day > grid.lo - max(EVENT_WINDOWS)))
    spec = [(f"events_{n}d", 0, n) for n in EVENT_WINDOWS] + [("events_prev_30d", 30, 60)]
    acc = acc.cross_join(_windows(engine, "event_windows", spec))
    parts = [
        acc.select(k=acc.group_id, metric=acc.metric, s=acc.day + acc.a, e=acc.day + acc.b, w=acc.events)
    ]
    users = _only(engine.rollup("users"), groups)
    users = users.filter((users.day <= grid.hi) & (users.day > grid.lo - max(USER_WINDOWS)))
    users = users.select("group_id", "user_id", "day")
    spec = [(f"active_users_{n}d", n, n) for n in USER_WINDOWS]
    parts.append(_distinct_spans(users, ["group_id", "user_id"], _windows(engine, "user_windows", spec)))
    usage = _only(engine.rollup("usage"), groups)
    if key_features:
        used = usage.filter(
            usage.feature.isin(list(key_features)) & (usage.day <= grid.hi) & (usage.day > grid.lo - 30)
        )
        used = used.select("group_id", "feature", "day").distinct()
        spec = [("key_features_used_30d", 30, 30)]
        parts.append(
            _distinct_spans(used, ["group_id", "feature"], _windows(engine, "feature_windows", spec))
        )
    trained = usage.filter(
        (usage.feature == TRAINING_EVENT) & usage.user_id.notnull() & (usage.day <= grid.hi)
    )
    trained = trained.group_by(["group_id", "user_id"]).aggregate(day=trained.day.min())
    parts.append(
        trained.select(
            k=trained.group_id,
            metric=ibis.literal("trained_users"),
            s=trained.day,
            e=ibis.literal(grid.hi + 1),
            w=ibis.literal(1),
        )
    )
    spans = parts[0].select(
        "k", "metric", s=parts[0].s.cast("int64"), e=parts[0].e.cast("int64"), w=parts[0].w.cast("int64")
    )
    for part in parts[1:]:
        spans = spans.union(
            part.select("k", "metric", s=part.s.cast("int64"), e=part.e.cast("int64"), w=part.w.cast("int64"))
        )
    return deltas(spans, grid, lookup)


def last_activity(
    engine: AnalyticsEngine, grid: Grid, lookup: ir.Table, groups: list[str] | None = None
) -> ir.Table:
    """(group_id, g, last_day): the latest active day mapped to the first grid date it reaches."""
    acc = _only(engine.rollup("accounts"), groups)
    acc = acc.filter(acc.day <= grid.hi)
    acc = acc.select(
        "group_id", s=acc.day.cast("int64").clip(grid.lo, grid.hi + 1), day=acc.day.cast("int64")
    )
    joined = acc.join(lookup.select(s=lookup.day, g=lookup.g), "s")
    return joined.group_by(["group_id", "g"]).aggregate(last_day=joined.day.max())
