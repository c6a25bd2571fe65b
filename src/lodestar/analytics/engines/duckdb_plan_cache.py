"""The DuckDB compiled-plan cache: metric queries compiled once per shape and run on DuckDB directly.

Building and compiling the Ibis expression costs far more than running it for a few accounts, so on
DuckDB the expression is built over named placeholder tables, compiled to SQL once per shape (path,
dates, configuration) and kept on the engine, prepared on a cursor of its own that has the constant
tables and the roll-up and state files bound. A run binds the current inputs under their names and
executes the prepared statement; new roll-ups or state (a changed manifest) prepare it afresh.

A per-account plan (one account's metrics on demand) keeps the whole inputs bound and picks its account
through a session variable, so consecutive calls bind nothing new and read one row group per state file.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from lodestar.analytics.engines.engine import ROLLUP_SCHEMAS, STATE_SCHEMAS, AnalyticsEngine
from lodestar.analytics.event_store import EVENT_SCHEMA
from lodestar.analytics.inputs import MetricInputs
from lodestar.analytics.last_active_state import state_meta_path, state_sql

INPUT_TABLES = ("accounts", "contracts", "contacts", "tickets", "touches", "surveys")
# Stands for the account id in a per-account plan; the compiled text reads a session variable instead.
ACCOUNT_PARAM = 4_611_686_018_427_387_013
SMALL_QUERY_SKIPS = "join_order,projection_pullup,common_subexpressions,cte_filter_pusher"


@dataclass
class Plan:
    """SQL text over placeholder names, what to bind, and the cursor that holds it prepared."""

    sql: str
    constants: dict[str, pa.Table]
    rollups: tuple[str, ...]
    states: tuple[str, ...]
    per_account: bool = False
    event_days: tuple[int, int] | None = None  # the raw events' days the SQL reads (custom metrics)
    cursor: Any = None
    files_seen: tuple[object, ...] = ()
    held: MetricInputs | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class PlanBuilder(AnalyticsEngine):
    """Stands in for a DuckDB engine while an expression is built: every table is a named placeholder."""

    inputs: MetricInputs | None = None
    latest: int | None = None
    per_account: bool = False
    bound: dict[str, pa.Table] = field(default_factory=dict)
    rollups_used: set[str] = field(default_factory=set)
    states_used: set[str] = field(default_factory=set)
    event_days: tuple[int, int] | None = None

    def table(self, name: str, data: pa.Table) -> ir.Table:
        """A placeholder; input tables must be passed whole so a later run can bind other inputs."""
        if name in INPUT_TABLES and data is not getattr(self.inputs, name):
            raise ValueError(f"input table {name!r} must be bound as given, not derived")
        if name in self.bound and self.bound[name] is not data and not self.bound[name].equals(data):
            raise ValueError(f"placeholder {name!r} bound to two different tables")
        self.bound[name] = data
        t = ibis.table(ibis.Schema.from_pyarrow(data.schema), name=f"lodestar_{name}")
        if self.per_account and name in INPUT_TABLES:
            return t.filter(t.account_id == ibis.literal(ACCOUNT_PARAM, "int64"))
        return t

    def rollup(self, kind: str) -> ir.Table:
        """A placeholder for the roll-up of this kind."""
        self.rollups_used.add(kind)
        return ibis.table(ibis.Schema.from_pyarrow(ROLLUP_SCHEMAS[kind]), name=f"lodestar_rollup_{kind}")

    def events(self, first_day: int, last_day: int) -> ir.Table:
        """A placeholder for the raw events of these days (one per plan: the widest range asked for)."""
        if self.event_days is not None:
            first_day, last_day = min(first_day, self.event_days[0]), max(last_day, self.event_days[1])
        self.event_days = (first_day, last_day)
        return ibis.table(ibis.Schema.from_pyarrow(EVENT_SCHEMA), name="lodestar_events")

    def state(self, kind: str) -> ir.Table:
        """A placeholder for the state table of this kind."""
        self.states_used.add(kind)
        return ibis.table(ibis.Schema.from_pyarrow(STATE_SCHEMAS[kind]), name=f"lodestar_state_{kind}")

    def latest_day(self) -> int | None:
        """The real engine's answer, taken once before the build."""
        return self.latest


def plan(
    engine: AnalyticsEngine,
    inputs: MetricInputs,
    key: Hashable,
    build: Callable[[AnalyticsEngine], ir.Table],
    per_account: bool = False,
) -> Plan:
    """The cached plan of this shape (the key must name everything the SQL text depends on).

    A per-account plan reads the whole inputs filtered on the account in `lodestar_account`, so one
    prepared statement serves every account.
    """
    found = engine.plans.get((key, per_account))
    if isinstance(found, Plan):
        return found
    builder = PlanBuilder(
        "duckdb", None, engine.rollup_dir, inputs=inputs, latest=engine.latest_day(), per_account=per_account
    )
    sql = str(ibis.to_sql(build(builder), dialect="duckdb"))
    if per_account:
        if str(ACCOUNT_PARAM) not in sql:
            raise RuntimeError("the per-account plan lost its account filter")
        sql = sql.replace(str(ACCOUNT_PARAM), "getvariable('lodestar_account')")
    constants = {k: v for k, v in builder.bound.items() if k not in INPUT_TABLES}
    used = tuple(sorted(builder.rollups_used)), tuple(sorted(builder.states_used))
    made = Plan(sql, constants, *used, per_account=per_account, event_days=builder.event_days)
    engine.plans[(key, per_account)] = made
    return made


def _files_sql(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def _files_seen(engine: AnalyticsEngine, made: Plan) -> tuple[object, ...]:
    """Changes whenever the roll-ups or the state are rewritten (both rewrite their manifest), or the
    event files the plan reads change."""
    marks = [engine.rollup_dir / "manifest.json", state_meta_path(engine.rollup_dir)]
    seen: tuple[object, ...] = tuple(m.stat().st_mtime_ns if m.exists() else 0 for m in marks)
    if made.event_days is not None:
        seen += tuple((str(f), f.stat().st_mtime_ns) for f in engine.event_files(*made.event_days))
    return seen


def _prepare(engine: AnalyticsEngine, made: Plan) -> Any:
    """A cursor with the constants and file views bound and the plan's SQL prepared."""
    cur = engine.con.con.cursor()
    cur.execute("SET parquet_metadata_cache = true")  # per-account runs read the same state footers
    for name, data in made.constants.items():
        cur.register(f"lodestar_{name}", data)
    for kind in made.rollups:
        files = [str(f) for f in engine.rollup_files(kind)]
        if files:
            cur.execute(f"CREATE TEMP VIEW lodestar_rollup_{kind} AS FROM read_parquet({_files_sql(files)})")
        else:
            cur.register(f"lodestar_rollup_{kind}", ROLLUP_SCHEMAS[kind].empty_table())
    for kind in made.states:
        cur.execute(f"CREATE TEMP VIEW lodestar_state_{kind} AS {state_sql(engine.rollup_dir, kind)}")
    if made.event_days is not None:
        events = [str(f) for f in engine.event_files(*made.event_days)]
        if events:
            names = ", ".join(f'"{n}"' for n in EVENT_SCHEMA.names)
            source = f"read_parquet({_files_sql(events)}, hive_partitioning = false)"
            cur.execute(f"CREATE TEMP VIEW lodestar_events AS SELECT {names} FROM {source}")
        else:
            cur.register("lodestar_events", EVENT_SCHEMA.empty_table())
    return cur


def run(engine: AnalyticsEngine, made: Plan, inputs: MetricInputs, account_id: int | None = None) -> pa.Table:
    """Runs the plan's prepared SQL over these inputs (re-prepared when the roll-ups or state change)."""
    with made.lock:
        seen = _files_seen(engine, made)
        if made.cursor is None or made.files_seen != seen:
            if made.cursor is not None:
                made.cursor.close()
            made.cursor, made.files_seen, made.held = None, seen, None
            cur = _prepare(engine, made)
            if made.per_account:
                # DuckDB plans this statement again on every run, and for one account's rows the
                # join-order search and these rewrites cost more than they could save.
                cur.execute(f"SET disabled_optimizers = '{SMALL_QUERY_SKIPS}'")
            _bind(cur, inputs)
            cur.execute(f"PREPARE lodestar_plan AS {made.sql}")
            made.cursor, made.held = cur, inputs
        elif made.held is not inputs:
            _bind(made.cursor, inputs)
            made.held = inputs
        try:
            if made.per_account:
                made.cursor.execute(f"SET VARIABLE lodestar_account = {int(account_id or 0)}")
            return made.cursor.sql("EXECUTE lodestar_plan").to_arrow_table()
        finally:
            if not made.per_account:  # a whole-portfolio run holds no caller's data afterwards
                for name in INPUT_TABLES:
                    made.cursor.unregister(f"lodestar_{name}")
                made.held = None


def _bind(cur: Any, inputs: MetricInputs) -> None:
    for name in INPUT_TABLES:
        cur.register(f"lodestar_{name}", getattr(inputs, name))


def stream(
    engine: AnalyticsEngine, made: Plan, inputs: MetricInputs, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    """Runs the plan on a cursor of its own and yields the result in record batches as DuckDB makes them."""
    cur = _prepare(engine, made)
    try:
        _bind(cur, inputs)
        yield from cur.sql(made.sql).to_arrow_reader(batch_rows)
    finally:
        cur.close()
