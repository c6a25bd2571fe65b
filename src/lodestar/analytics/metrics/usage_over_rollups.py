"""Usage working columns from the daily roll-ups at any grid of dates: counts, distinct users, key features.

Every roll-up row is first mapped to grid indices (the date grid's offsets), so the work is counted in
grid steps, not days. A window fact of day d holds at the grid dates in [gidx(d), gidx(d + w)); it becomes
+v at the start index and -v at the end index, and a running sum over the grid gives every date's value.
Distinct counts first collapse each (account, user) to one row per grid step, then make their steps
disjoint with a lag, so a user is counted once however many days they were active.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from lodestar.analytics.engines.engine import AnalyticsEngine
from lodestar.analytics.inputs import MetricInputs
from lodestar.analytics.last_active_state import TRAINING_EVENT
from lodestar.analytics.metrics.date_grid import Grid

EVENT_WINDOWS = (7, 30, 90, 180)
USER_WINDOWS = (7, 30, 90)
SUMMED = (
    [f"events_{n}d" for n in EVENT_WINDOWS]
    + ["events_prev_30d"]
    + [f"active_users_{n}d" for n in USER_WINDOWS]
    + ["key_features_used_30d", "trained_users"]
)


Steps = dict[str, list[ir.Table]]  # metric name -> (k, g, v) tables of its changes


def _step(t: ir.Table, g: ir.IntegerValue, v: ir.IntegerValue | int) -> ir.Table:
    """(k, g, v) rows: the metric changes by v at grid index g."""
    value = ibis.literal(v, "int64") if isinstance(v, int) else v.cast("int64")
    return t.select("k", g=g.cast("int64"), v=value)


def _keyed(rollup: ir.Table, accounts: ir.Table, *columns: str) -> ir.Table:
    """Roll-up rows of the accounts at hand, keyed by account id (k): integers hash faster than group ids."""
    j = rollup.join(accounts, "group_id")
    return j.select(*columns, k=j.account_id)


def _event_steps(acc: ir.Table, offsets: ir.Table, steps: Steps) -> None:
    """Window sums of events: days sharing all their grid indices are added up first."""
    j = acc.join(offsets, "day")
    j = j.group_by(["k", "g0", "g7", "g30", "g60", "g90", "g180"]).aggregate(ev=j.events.sum())
    for n in EVENT_WINDOWS:
        steps[f"events_{n}d"] = [_step(j, j.g0, j.ev), _step(j, j[f"g{n}"], -j.ev)]
    steps["events_prev_30d"] = [_step(j, j.g30, j.ev), _step(j, j.g60, -j.ev)]


def _distinct_steps(
    rows: ir.Table, key: str, offsets: ir.Table, windows: dict[int, str], steps: Steps
) -> None:
    """Distinct `key` per account seen within each window (days -> metric name)."""
    j = rows.join(offsets, "day")
    j = j.group_by(["k", key, "g0"]).aggregate(**{f"e{w}": j[f"g{w}"].max() for w in windows})
    order = ibis.window(group_by=["k", key], order_by=j.g0)
    starts = {f"s{w}": ibis.greatest(j.g0, j[f"e{w}"].lag().over(order).fill_null(j.g0)) for w in windows}
    j = j.mutate(**starts)
    for w, metric in windows.items():
        kept = j.filter(j[f"s{w}"] < j[f"e{w}"])
        steps[metric] = [_step(kept, kept[f"s{w}"], 1), _step(kept, kept[f"e{w}"], -1)]


def usage_pivot(
    engine: AnalyticsEngine, grid: Grid, key_features: tuple[str, ...], accounts: ir.Table
) -> ir.Table:
    """(k=account_id, g, every summed metric) changes per grid index, for accounts (account_id, group_id).

    Each metric's changes are added up per (account, index) on their own first, so the pivot reads at
    most one row per account, index and metric however many roll-up rows there are.
    """
    offsets = grid.offsets(engine)
    first = grid.lo - max(EVENT_WINDOWS)
    steps: Steps = {}
    acc = engine.rollup("accounts", first + 1, grid.hi)
    acc = _keyed(acc.filter((acc.day <= grid.hi) & (acc.day > first)), accounts, "day", "events")
    _event_steps(acc, offsets, steps)
    users = engine.rollup("users", grid.lo - max(USER_WINDOWS) + 1, grid.hi)
    users = users.filter((users.day <= grid.hi) & (users.day > grid.lo - max(USER_WINDOWS)))
    windows = {n: f"active_users_{n}d" for n in USER_WINDOWS}
    _distinct_steps(_keyed(users, accounts, "user_id", "day"), "user_id", offsets, windows, steps)
    usage = engine.rollup("usage", None, grid.hi)  # training counts from the first day
    if key_features:
        used = usage.filter(
            usage.feature.isin(list(key_features)) & (usage.day <= grid.hi) & (usage.day > grid.lo - 30)
        )
        used = _keyed(used, accounts, "feature", "day")
        _distinct_steps(used, "feature", offsets, {30: "key_features_used_30d"}, steps)
    trained = usage.filter(
        (usage.feature == TRAINING_EVENT) & usage.user_id.notnull() & (usage.day <= grid.hi)
    )
    trained = _keyed(trained, accounts, "user_id", "day")
    trained = trained.group_by(["k", "user_id"]).aggregate(day=trained.day.min())
    trained = trained.select("k", day=ibis.greatest(trained.day, first + 1)).join(offsets, "day")
    steps["trained_users"] = [_step(trained, trained.g0, 1)]
    summed = []
    for code, metric in enumerate(SUMMED):
        if metric not in steps:
            continue
        parts = steps[metric]
        t = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
        t = t.filter(t.g < len(grid.dates))
        t = t.group_by(["k", "g"]).aggregate(v=t.v.sum())
        summed.append(t.select("k", "g", "v", metric=ibis.literal(code, "int64")))
    long = summed[0].union(*summed[1:])
    return long.group_by(["k", "g"]).aggregate(
        **{m: long.v.sum(where=long.metric == code) for code, m in enumerate(SUMMED)}
    )


def last_activity(engine: AnalyticsEngine, grid: Grid, lookup: ir.Table, accounts: ir.Table) -> ir.Table:
    """(account_id, g, last_day): the latest active day mapped to the first grid date it reaches."""
    acc = engine.rollup("accounts", None, grid.hi)
    acc = _keyed(acc.filter(acc.day <= grid.hi), accounts, "day")
    acc = acc.select("k", s=acc.day.cast("int64").clip(grid.lo, grid.hi + 1), day=acc.day.cast("int64"))
    joined = acc.join(lookup.select(s=lookup.day, g=lookup.g), "s")
    joined = joined.group_by(["k", "g"]).aggregate(last_day=joined.day.max())
    return joined.select(account_id=joined.k, g=joined.g, last_day=joined.last_day)


def rollup_event_columns(
    engine: AnalyticsEngine, inputs: MetricInputs, grid: Grid, base: ir.Table
) -> ir.Table:
    """Base (account_id, g, gday, as_of) with the running event metrics of every date, from the roll-ups."""
    lookup = grid.lookup(engine)
    accounts = engine.table("accounts", inputs.accounts).select("account_id", "group_id")
    accounts = accounts.filter(accounts.group_id.notnull())
    pivot = usage_pivot(engine, grid, inputs.key_features, accounts).rename(account_id="k")
    last = last_activity(engine, grid, lookup, accounts)
    t = base.left_join(pivot, ["account_id", "g"]).drop("account_id_right", "g_right")
    t = t.left_join(last, ["account_id", "g"]).drop("account_id_right", "g_right")
    w = ibis.cumulative_window(group_by="account_id", order_by="g")
    running = {m: t[m].fill_null(0).sum().over(w).cast("int64") for m in SUMMED}
    return t.select("account_id", "g", "gday", "as_of", last_day=t.last_day.max().over(w), **running)
