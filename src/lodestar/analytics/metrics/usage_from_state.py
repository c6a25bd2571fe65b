"""Usage working columns of one date on or after the newest roll-up day, from the last-active state.

When no event is newer than the as-of date D, "active in the last w days" is "last active day > D - w",
so the distinct counts are plain filtered counts over one row per (account, user) or (account, feature),
and the window sums read one compact table of the last 180 days. Results equal the roll-up path
(usage_over_rollups), which stays the way for past dates.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from lodestar.analytics.engines.engine import AnalyticsEngine
from lodestar.analytics.metrics.date_grid import Grid
from lodestar.analytics.metrics.usage_over_rollups import EVENT_WINDOWS, SUMMED, USER_WINDOWS


def uses_latest_state(engine: AnalyticsEngine, grid: Grid) -> bool:
    """Whether the state tables answer this grid: one date, with no roll-up day after it."""
    if len(grid.dates) != 1:
        return False
    latest = engine.latest_day()
    return latest is not None and grid.hi >= latest


def _mine(engine: AnalyticsEngine, kind: str, groups: ir.Table) -> ir.Table:
    """A state table narrowed to the accounts at hand (a semi-join: one account reads one row group)."""
    t = engine.state(kind)
    return engine.read_ahead(t.filter(t.group_id.isin(groups.group_id)))


def _per_group(
    engine: AnalyticsEngine, groups: ir.Table, day: int, key_features: tuple[str, ...]
) -> list[ir.Table]:
    """(group_id, metric columns...) tables, one per state kind."""
    r = _mine(engine, "recent", groups)
    age = day - r.day
    events = {f"events_{n}d": r.events.sum(where=age < n) for n in EVENT_WINDOWS}
    events["events_prev_30d"] = r.events.sum(where=(age >= 30) & (age < 60))
    u = _mine(engine, "users", groups)
    users = {f"active_users_{n}d": u.user_id.count(where=u.last_day > day - n) for n in USER_WINDOWS}
    t = _mine(engine, "trained", groups)
    a = _mine(engine, "accounts", groups)
    parts = [
        r.group_by("group_id").aggregate(**events),
        u.group_by("group_id").aggregate(**users),
        t.group_by("group_id").aggregate(trained_users=t.user_id.count()),
        a.group_by("group_id").aggregate(last_day=a.last_day.max()),
    ]
    if key_features:
        f = _mine(engine, "features", groups)
        f = f.filter(f.feature.isin(list(key_features)) & (f.last_day > day - 30))
        parts.append(f.group_by("group_id").aggregate(key_features_used_30d=f.feature.count()))
    return parts


def latest_event_columns(
    engine: AnalyticsEngine, accounts: ir.Table, day: int, key_features: tuple[str, ...], base: ir.Table
) -> ir.Table:
    """Base (account_id, g, gday, as_of) with the event metrics at `day`, from the state tables."""
    groups = accounts.filter(accounts.group_id.notnull()).select("account_id", "group_id")
    t = base.left_join(groups, "account_id").drop("account_id_right")
    for part in _per_group(engine, groups, day, key_features):
        t = t.left_join(part, "group_id").drop("group_id_right")
    summed = {m: (t[m] if m in t.columns else ibis.literal(0)).fill_null(0).cast("int64") for m in SUMMED}
    return t.select("account_id", "g", "gday", "as_of", last_day=t.last_day.cast("int64"), **summed)
