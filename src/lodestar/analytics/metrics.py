"""The metric library: one Ibis definition per metric, run on whichever engine supplies the tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from lodestar.analytics import operational
from lodestar.analytics.custom import CustomMetric, custom_columns
from lodestar.analytics.engine import AnalyticsEngine
from lodestar.analytics.grid import Grid
from lodestar.analytics.inputs import MetricInputs
from lodestar.analytics.usage import SUMMED, last_activity, usage_deltas

I64, F64 = pa.int64(), pa.float64()
METRICS_SCHEMA = pa.schema(
    [("account_id", I64), ("as_of", pa.date32())]
    + [(f"events_{n}d", I64) for n in (7, 30, 90, 180)]
    + [(f"active_users_{n}d", I64) for n in (7, 30, 90)]
    + [
        ("seats", I64),
        ("active_user_ratio_30d", F64),
        ("usage_trend_30d", F64),
        ("key_features_used_30d", I64),
        ("days_since_last_activity", I64),
        ("training_completion", F64),
        ("tickets_open", I64),
        ("tickets_critical_open", I64),
        ("sla_breaches_90d", I64),
        ("first_response_hours_90d", F64),
        ("resolution_hours_90d", F64),
        ("nps_latest", F64),
        ("csat_latest", F64),
        ("days_since_last_touch", I64),
        ("trainings_180d", I64),
        ("arr", F64),
        ("days_to_end", I64),
        ("term_elapsed_share", F64),
        ("champion_present", pa.bool_()),
        ("decision_maker_left_90d", pa.bool_()),
    ]
)
NARROW_READ = 1000  # up to this many accounts, the roll-up reads filter on their group ids
ZERO_IF_MISSING = ("tickets_open", "tickets_critical_open", "sla_breaches_90d", "trainings_180d", "arr")


def _event_columns(engine: AnalyticsEngine, inputs: MetricInputs, grid: Grid, base: ir.Table) -> ir.Table:
    """Base (account_id, g, gday, as_of) with the running event metrics of every date."""
    lookup = grid.lookup(engine)
    ids = [g for g in inputs.accounts.column("group_id").to_pylist() if g is not None]
    groups = ids if len(ids) <= NARROW_READ else None
    long = usage_deltas(engine, grid, lookup, inputs.key_features, groups)
    pivot = long.group_by(["k", "g"]).aggregate(**{m: long.v.sum(where=long.metric == m) for m in SUMMED})
    accounts = engine.table("groups", inputs.accounts.select(["account_id", "group_id"]))
    accounts = accounts.filter(accounts.group_id.notnull())
    pivot = pivot.join(accounts, pivot.k == accounts.group_id).drop("k", "group_id")
    last = last_activity(engine, grid, lookup, groups)
    last = last.join(accounts, "group_id").drop("group_id")
    t = base.left_join(pivot, ["account_id", "g"]).drop("account_id_right", "g_right")
    t = t.left_join(last, ["account_id", "g"]).drop("account_id_right", "g_right")
    w = ibis.cumulative_window(group_by="account_id", order_by="g")
    running = {m: t[m].fill_null(0).sum().over(w).cast("int64") for m in SUMMED}
    return t.select("account_id", "g", "gday", "as_of", last_day=t.last_day.max().over(w), **running)


def _joined(t: ir.Table, parts: Sequence[ir.Table]) -> ir.Table:
    for part in parts:
        t = t.left_join(part, ["account_id", "g"]).drop("account_id_right", "g_right")
    return t


def metrics_expr(
    engine: AnalyticsEngine, inputs: MetricInputs, grid: Grid, custom: Sequence[CustomMetric] = ()
) -> ir.Table:
    """The metrics table of every account at every grid date, as one Ibis expression."""
    dates = grid.table(engine)
    ids = engine.table("accounts", inputs.accounts.select(["account_id"]))
    base = ids.cross_join(dates)
    t = _event_columns(engine, inputs, grid, base)
    parts: list[ir.Table] = []
    for build in (
        operational.ticket_metrics,
        operational.survey_metrics,
        operational.touch_metrics,
        operational.contract_metrics,
        operational.contact_metrics,
    ):
        parts.extend(build(engine, inputs, dates))
    parts.extend(custom_columns(engine, inputs, grid, dates, custom))
    t = _joined(t, parts)
    seats = t.seats.cast("int64")
    ratio = lambda n: ibis.ifelse(seats > 0, n.cast("float64") / seats, ibis.null())  # noqa: E731
    prev = t.events_prev_30d
    cols = {
        "account_id": t.account_id.cast("int64"),
        "as_of": t.as_of,
        **{f"events_{n}d": t[f"events_{n}d"] for n in (7, 30, 90, 180)},
        **{f"active_users_{n}d": t[f"active_users_{n}d"] for n in (7, 30, 90)},
        "seats": seats,
        "active_user_ratio_30d": ratio(t.active_users_30d),
        "usage_trend_30d": ibis.ifelse(prev > 0, (t.events_30d - prev).cast("float64") / prev, ibis.null()),
        "key_features_used_30d": t.key_features_used_30d,
        "days_since_last_activity": (t.gday - t.last_day).cast("int64"),
        "training_completion": ratio(t.trained_users),
        **{c: t[c].fill_null(0) for c in ZERO_IF_MISSING},
        **{
            c: t[c]
            for c in (
                "first_response_hours_90d",
                "resolution_hours_90d",
                "nps_latest",
                "csat_latest",
                "days_since_last_touch",
                "days_to_end",
                "term_elapsed_share",
            )
        },
        "champion_present": t.champions.fill_null(0) > 0,
        "decision_maker_left_90d": t.dm_left.fill_null(0) > 0,
        **{m.slug: t[m.slug].fill_null(0).cast("int64") for m in custom},
    }
    return t.select(**cols)


def compute_metrics(
    engine: AnalyticsEngine,
    inputs: MetricInputs,
    as_of_dates: Sequence[date],
    custom: Sequence[CustomMetric] = (),
) -> pa.Table:
    """One row per (account_id, as_of) for every account and date, computed in one pass."""
    grid = Grid.of(as_of_dates)
    result = engine.to_arrow(metrics_expr(engine, inputs, grid, custom))
    schema = METRICS_SCHEMA
    for m in custom:
        schema = schema.append(pa.field(m.slug, I64))
    result = result.select(schema.names).cast(schema)
    return result.sort_by([("account_id", "ascending"), ("as_of", "ascending")])


def compute_feature_adoption(
    engine: AnalyticsEngine, inputs: MetricInputs, as_of_dates: Sequence[date]
) -> pa.Table:
    """Long (account_id, as_of, feature, users_30d, events_30d) for features used in the 30 days."""
    grid = Grid.of(as_of_dates)
    dates = grid.table(engine)
    u = engine.rollup("usage")
    u = u.filter((u.day <= grid.hi) & (u.day > grid.lo - 30) & u.feature.notnull())
    j = u.join(dates, (u.day <= dates.gday) & (u.day > dates.gday - 30))
    agg = j.group_by(["group_id", "as_of", "feature"]).aggregate(
        users_30d=j.user_id.nunique().cast("int64"), events_30d=j.events.sum().cast("int64")
    )
    accounts = engine.table("groups", inputs.accounts.select(["account_id", "group_id"]))
    out = agg.join(accounts, "group_id").select("account_id", "as_of", "feature", "users_30d", "events_30d")
    schema = pa.schema(
        [
            ("account_id", I64),
            ("as_of", pa.date32()),
            ("feature", pa.string()),
            ("users_30d", I64),
            ("events_30d", I64),
        ]
    )
    result = engine.to_arrow(out).select(schema.names).cast(schema)
    return result.sort_by([("account_id", "ascending"), ("as_of", "ascending"), ("feature", "ascending")])


def recompute_account(
    engine: AnalyticsEngine, inputs: MetricInputs, account_id: int, as_of: date
) -> dict[str, object]:
    """The metrics of one account at one date, on demand (e.g. after new events land)."""
    rows = compute_metrics(engine, inputs.only(account_id), [as_of]).to_pylist()
    if not rows:
        raise LookupError(f"account {account_id} is not among the inputs")
    return rows[0]
