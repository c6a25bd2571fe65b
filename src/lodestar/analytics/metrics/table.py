"""The metrics table: one row per (account, as-of date), one column per registered metric, on any engine."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from lodestar.analytics.engines import duckdb_plan_cache
from lodestar.analytics.engines.engine import AnalyticsEngine
from lodestar.analytics.inputs import MetricInputs
from lodestar.analytics.metrics.custom_spec import CustomMetric
from lodestar.analytics.metrics.date_grid import Grid
from lodestar.analytics.metrics.definition import Scope
from lodestar.analytics.metrics.registry import FAMILIES, metrics_of, metrics_schema
from lodestar.analytics.metrics.usage_from_state import uses_latest_state

STREAM_BATCH = 65_536  # rows per record batch when a backfill streams out of DuckDB


def metrics_expr(
    engine: AnalyticsEngine, inputs: MetricInputs, grid: Grid, custom: Sequence[CustomMetric] = ()
) -> ir.Table:
    """The metrics table of every account at every grid date, as one Ibis expression."""
    metrics = metrics_of(custom)  # first: it refuses a bad custom metric before anything is built
    dates = grid.table(engine)
    accounts = engine.table("accounts", inputs.accounts)
    rows = accounts.select("account_id").cross_join(dates)
    scope = Scope(engine, inputs, grid, dates, accounts, tuple(custom))
    for family in FAMILIES:
        rows = family.columns(scope, rows)
    cols = {"account_id": rows.account_id.cast("int64"), "as_of": rows.as_of}
    cols.update({m.key: m.value(rows) for m in metrics})
    return rows.select(**cols)


def _shape(
    engine: AnalyticsEngine, inputs: MetricInputs, grid: Grid, custom: Sequence[CustomMetric], ordered: bool
) -> tuple[object, ...]:
    """Everything the compiled SQL text depends on: the dates, the path, the order and the configuration."""
    config = (inputs.key_features, tuple(m.model_dump_json() for m in custom))
    return ("metrics", grid.dates, uses_latest_state(engine, grid), ordered, config)


def _plan(
    engine: AnalyticsEngine, inputs: MetricInputs, grid: Grid, custom: Sequence[CustomMetric], ordered: bool
) -> duckdb_plan_cache.Plan:
    """The compiled DuckDB query of this shape; `ordered` sorts rows by date for streaming."""
    shape = _shape(engine, inputs, grid, custom, ordered)

    def build(e: AnalyticsEngine) -> ir.Table:
        expr = metrics_expr(e, inputs, grid, custom)
        return expr.order_by(["as_of", "account_id"]) if ordered else expr

    return duckdb_plan_cache.plan(engine, inputs, shape, build)


def compute_metrics(
    engine: AnalyticsEngine,
    inputs: MetricInputs,
    as_of_dates: Sequence[date],
    custom: Sequence[CustomMetric] = (),
) -> pa.Table:
    """One row per (account_id, as_of) for every account and date, computed in one pass."""
    grid = Grid.of(as_of_dates)
    if engine.name == "duckdb":
        result = duckdb_plan_cache.run(engine, _plan(engine, inputs, grid, custom, ordered=False), inputs)
    else:
        result = engine.to_arrow(metrics_expr(engine, inputs, grid, custom))
    schema = metrics_schema(custom)
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
    schema = metrics_schema(custom)
    if engine.name != "duckdb":
        table = compute_metrics(engine, inputs, grid.dates, custom)
        for day in grid.dates:
            yield table.filter(pc.equal(table.column("as_of"), pa.scalar(day, pa.date32())))
        return
    made = _plan(engine, inputs, grid, custom, ordered=True)
    held: list[pa.Table] = []
    for batch in duckdb_plan_cache.stream(engine, made, inputs, STREAM_BATCH):
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


def account_metrics(
    engine: AnalyticsEngine,
    inputs: MetricInputs,
    account_id: int,
    as_of: date,
    custom: Sequence[CustomMetric] = (),
) -> dict[str, object]:
    """The metrics of one account at one date, on demand (e.g. after new events land).

    On DuckDB one prepared query per date serves every account: it runs on the account's inputs and,
    at the newest date, the account's rows of each state table, read ahead.
    """
    mine = inputs.only(account_id)
    if engine.name != "duckdb":
        rows = compute_metrics(engine, mine, [as_of], custom).to_pylist()
    else:
        grid = Grid.of([as_of])
        shape = _shape(engine, mine, grid, custom, ordered=False)
        build = lambda e: metrics_expr(e, mine, grid, custom)  # noqa: E731
        made = duckdb_plan_cache.plan(engine, mine, shape, build, per_account=True)
        schema = metrics_schema(custom)
        rows = duckdb_plan_cache.run(engine, made, mine).select(schema.names).cast(schema).to_pylist()
    if not rows:
        raise LookupError(f"account {account_id} is not among the inputs")
    return rows[0]
