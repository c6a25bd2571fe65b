"""The metric library: one Ibis definition per metric, run on whichever engine supplies the tables."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from lodestar.analytics import operational, plan
from lodestar.analytics.custom import CustomMetric, custom_columns
from lodestar.analytics.engine import AnalyticsEngine
from lodestar.analytics.grid import Grid
from lodestar.analytics.inputs import MetricInputs
from lodestar.analytics.latest import latest_event_columns
from lodestar.analytics.usage import SUMMED, last_activity, usage_pivot

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
STREAM_BATCH = 65_536  # rows per record batch when a backfill streams out of DuckDB
ZERO_IF_MISSING = ("tickets_open", "tickets_critical_open", "sla_breaches_90d", "trainings_180d", "arr")


def _event_columns(engine: AnalyticsEngine, inputs: MetricInputs, grid: Grid, base: ir.Table) -> ir.Table:
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


def uses_latest_state(engine: AnalyticsEngine, grid: Grid) -> bool:
    """Whether the state tables answer this grid: one date, with no roll-up day after it."""
    if len(grid.dates) != 1:
        return False
    latest = engine.latest_day()
    return latest is not None and grid.hi >= latest


def _joined(t: ir.Table, parts: Sequence[ir.Table]) -> ir.Table:
    for part in parts:
        t = t.left_join(part, ["account_id", "g"]).drop("account_id_right", "g_right")
    return t


def metrics_expr(
    engine: AnalyticsEngine, inputs: MetricInputs, grid: Grid, custom: Sequence[CustomMetric] = ()
) -> ir.Table:
    """The metrics table of every account at every grid date, as one Ibis expression."""
    dates = grid.table(engine)
    accounts = engine.table("accounts", inputs.accounts)
    base = accounts.select("account_id").cross_join(dates)
    if uses_latest_state(engine, grid):
        t = latest_event_columns(engine, accounts, grid.hi, inputs.key_features, base)
    else:
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


def _schema(custom: Sequence[CustomMetric]) -> pa.Schema:
    schema = METRICS_SCHEMA
    for m in custom:
        schema = schema.append(pa.field(m.slug, I64))
    return schema


def _plan(
    engine: AnalyticsEngine, inputs: MetricInputs, grid: Grid, custom: Sequence[CustomMetric], ordered: bool
) -> plan.Plan:
    """The compiled DuckDB query of this shape; `ordered` sorts rows by date for streaming."""
    config = (inputs.key_features, tuple(m.model_dump_json() for m in custom))
    shape = ("metrics", grid.dates, uses_latest_state(engine, grid), ordered, config)

    def build(e: AnalyticsEngine) -> ir.Table:
        expr = metrics_expr(e, inputs, grid, custom)
        return expr.order_by(["as_of", "account_id"]) if ordered else expr

    return plan.plan(engine, inputs, shape, build)


def compute_metrics(
    engine: AnalyticsEngine,
    inputs: MetricInputs,
    as_of_dates: Sequence[date],
    custom: Sequence[CustomMetric] = (),
) -> pa.Table:
    """One row per (account_id, as_of) for every account and date, computed in one pass."""
    grid = Grid.of(as_of_dates)
    if engine.name == "duckdb":
        result = plan.run(engine, _plan(engine, inputs, grid, custom, ordered=False), inputs)
    else:
        result = engine.to_arrow(metrics_expr(engine, inputs, grid, custom))
    schema = _schema(custom)
    result = result.select(schema.names).cast(schema)
    return result.sort_by([("account_id", "ascending"), ("as_of", "ascending")])


def iter_metrics(
    engine: AnalyticsEngine,
    inputs: MetricInputs,
    as_of_dates: Sequence[date],
    custom: Sequence[CustomMetric] = (),
) -> Iterator[pa.Table]:
    """Each date's metrics in turn, oldest first, from one pass: a backfill holds about one date at a time.

    On DuckDB the rows stream out sorted by date (DuckDB spills past its memory limit); other engines
    compute the whole table and split it.
    """
    grid = Grid.of(as_of_dates)
    schema = _schema(custom)
    if engine.name != "duckdb":
        table = compute_metrics(engine, inputs, grid.dates, custom)
        for day in grid.dates:
            yield table.filter(pc.equal(table.column("as_of"), pa.scalar(day, pa.date32())))
        return
    made = _plan(engine, inputs, grid, custom, ordered=True)
    held: list[pa.Table] = []
    for batch in plan.stream(engine, made, inputs, STREAM_BATCH):
        part = pa.Table.from_batches([batch]).select(schema.names).cast(schema)
        as_of = part.column("as_of")
        for day in pc.unique(as_of).to_pylist():
            rows = part.filter(pc.equal(as_of, pa.scalar(day, pa.date32())))
            if held and held[0].column("as_of")[0].as_py() != day:
                yield pa.concat_tables(held).combine_chunks()
                held = []
            held.append(rows)
    if held:
        yield pa.concat_tables(held).combine_chunks()


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
    accounts = engine.table("accounts", inputs.accounts).select("account_id", "group_id")
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
    engine: AnalyticsEngine,
    inputs: MetricInputs,
    account_id: int,
    as_of: date,
    custom: Sequence[CustomMetric] = (),
) -> dict[str, object]:
    """The metrics of one account at one date, on demand (e.g. after new events land).

    On DuckDB one prepared query per date serves every account: it reads the whole inputs filtered on
    the account and, at the newest date, one row group of each state table.
    """
    if engine.name != "duckdb":
        rows = compute_metrics(engine, inputs.only(account_id), [as_of], custom).to_pylist()
    else:
        grid = Grid.of([as_of])
        config = (inputs.key_features, tuple(m.model_dump_json() for m in custom))
        shape = ("metrics", grid.dates, uses_latest_state(engine, grid), False, config)
        made = plan.plan(
            engine, inputs, shape, lambda e: metrics_expr(e, inputs, grid, custom), per_account=True
        )
        schema = _schema(custom)
        rows = plan.run(engine, made, inputs, account_id).select(schema.names).cast(schema).to_pylist()
    if not rows:
        raise LookupError(f"account {account_id} is not among the inputs")
    return rows[0]
