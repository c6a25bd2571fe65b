"""The DuckDB compiled-plan cache: metric queries compiled once per shape and run on DuckDB directly.

Building and compiling the Ibis expression costs far more than running it for a few accounts, so on
DuckDB the expression is built over named placeholder tables, compiled to SQL once per shape (path,
dates, configuration) and kept on the engine, prepared on a cursor of its own that has the constant
tables and the roll-up and state files bound. A run binds the current inputs under their names and
executes the prepared statement; new roll-ups or state (a changed manifest) prepare it afresh.

A per-account plan (one account's metrics on demand) runs on that account's inputs alone, and is
planned once. DuckDB binds and plans a prepared statement again on every run when it reads a view (the
files are views), which for this statement costs several times the run itself; so the file sources a
family marks with `read_ahead` (already narrowed to the accounts at hand: one row group of each state
file) are read first, each by a small statement of its own, and the prepared statement reads nothing
but tables in memory: each input and read-ahead placeholder is a `Swappable` whose table a run replaces.
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
from lodestar.analytics.inputs import SCHEMAS, MetricInputs
from lodestar.analytics.last_active_state import state_meta_path, state_sql

# Every operational input: bound anew for each run, never kept as a constant of the plan.
INPUT_TABLES = tuple(SCHEMAS)
SMALL_QUERY_SKIPS = "join_order,projection_pullup,common_subexpressions,cte_filter_pusher"


@dataclass
class Plan:
    """SQL text over placeholder names, what to bind, and the cursor that holds it prepared."""

    sql: str
    constants: dict[str, pa.Table]
    rollups: tuple[tuple[str, int | None, int | None], ...]  # each kind read, and its days (None: any)
    states: tuple[str, ...]
    per_account: bool = False
    event_days: tuple[int, int] | None = None  # the raw events' days the SQL reads (custom metrics)
    ahead: tuple[tuple[str, str], ...] = ()  # (placeholder, SQL): file sources a per-account plan reads first
    cursor: Any = None
    swappable: dict[str, Swappable] = field(default_factory=dict)  # per-account: what each run replaces
    files_seen: tuple[object, ...] = ()
    held: MetricInputs | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class Swappable:
    """A table that a prepared statement reads afresh on every run (through the Arrow stream protocol).

    A table registered under a name is captured by the statement prepared over it; registering another
    one under that name later changes nothing until the statement is bound again. This object stays
    registered, and each run of the statement reads the table it holds at that moment.
    """

    def __init__(self, table: pa.Table) -> None:
        self.table = table

    def __arrow_c_schema__(self) -> object:
        return self.table.schema.__arrow_c_schema__()

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self.table.__arrow_c_stream__(requested_schema)


@dataclass
class PlanBuilder(AnalyticsEngine):
    """Stands in for a DuckDB engine while an expression is built: every table is a named placeholder."""

    inputs: MetricInputs | None = None
    latest: int | None = None
    per_account: bool = False
    bound: dict[str, pa.Table] = field(default_factory=dict)
    rollups_used: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    states_used: set[str] = field(default_factory=set)
    event_days: tuple[int, int] | None = None
    ahead: list[tuple[str, str]] = field(default_factory=list)

    def table(self, name: str, data: pa.Table) -> ir.Table:
        """A placeholder; input tables must be passed whole so a later run can bind other inputs."""
        if name in INPUT_TABLES and data is not getattr(self.inputs, name):
            raise ValueError(f"input table {name!r} must be bound as given, not derived")
        if name in self.bound and self.bound[name] is not data and not self.bound[name].equals(data):
            raise ValueError(f"placeholder {name!r} bound to two different tables")
        self.bound[name] = data
        return ibis.table(ibis.Schema.from_pyarrow(data.schema), name=f"lodestar_{name}")

    def read_ahead(self, source: ir.Table) -> ir.Table:
        """In a per-account plan, a placeholder for the source's rows, read by a statement of its own."""
        if not self.per_account:
            return source
        name = f"lodestar_ahead_{len(self.ahead)}"
        self.ahead.append((name, str(ibis.to_sql(source, dialect="duckdb"))))
        return ibis.table(source.schema(), name=name)

    def rollup(self, kind: str, first_day: int | None = None, last_day: int | None = None) -> ir.Table:
        """A placeholder for the roll-up of this kind (its files: the widest range of days asked for)."""
        if kind in self.rollups_used:
            first, last = self.rollups_used[kind]
            first_day = None if first is None or first_day is None else min(first, first_day)
            last_day = None if last is None or last_day is None else max(last, last_day)
        self.rollups_used[kind] = (first_day, last_day)
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

    A per-account plan is run with one account's inputs at a time (see `run`).
    """
    found = engine.plans.get((key, per_account))
    if isinstance(found, Plan):
        return found
    builder = PlanBuilder(
        "duckdb", None, engine.rollup_dir, inputs=inputs, latest=engine.latest_day(), per_account=per_account
    )
    sql = str(ibis.to_sql(build(builder), dialect="duckdb"))
    constants = {k: v for k, v in builder.bound.items() if k not in INPUT_TABLES}
    rollups = tuple((kind, *days) for kind, days in sorted(builder.rollups_used.items()))
    used = rollups, tuple(sorted(builder.states_used))
    made = Plan(sql, constants, *used, per_account, builder.event_days, tuple(builder.ahead))
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
    for kind, first_day, last_day in made.rollups:
        files = [str(f) for f in engine.rollup_files(kind, first_day, last_day)]
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


def run(engine: AnalyticsEngine, made: Plan, inputs: MetricInputs) -> pa.Table:
    """Runs the plan's prepared SQL over these inputs (re-prepared when the roll-ups or state change)."""
    with made.lock:
        seen = _files_seen(engine, made)
        if made.cursor is None or made.files_seen != seen:
            if made.cursor is not None:
                made.cursor.close()
            made.cursor, made.files_seen, made.held, made.swappable = None, seen, None, {}
            cur = _prepare(engine, made)
            if made.per_account:
                # For one account's rows the join-order search and these rewrites cost more than they
                # could save (the read-ahead statements are planned on every run).
                cur.execute(f"SET disabled_optimizers = '{SMALL_QUERY_SKIPS}'")
                _swap_in(cur, made, inputs)
            else:
                _bind(cur, inputs)
            cur.execute(f"PREPARE lodestar_plan AS {made.sql}")
            made.cursor, made.held = cur, inputs
        elif made.held is not inputs:
            if made.per_account:
                _swap_in(made.cursor, made, inputs)
            else:
                _bind(made.cursor, inputs)
            made.held = inputs
        try:
            return made.cursor.sql("EXECUTE lodestar_plan").to_arrow_table()
        finally:
            if not made.per_account:  # a whole-portfolio run holds no caller's data afterwards
                for name in INPUT_TABLES:
                    made.cursor.unregister(f"lodestar_{name}")
                made.held = None


def _bind(cur: Any, inputs: MetricInputs) -> None:
    for name in INPUT_TABLES:
        cur.register(f"lodestar_{name}", getattr(inputs, name))


def _swap_in(cur: Any, made: Plan, inputs: MetricInputs) -> None:
    """Puts these inputs, then the read-ahead sources they select, in the per-account plan's tables."""
    for name in INPUT_TABLES:
        _hold(cur, made, f"lodestar_{name}", getattr(inputs, name))
    for name, sql in made.ahead:
        _hold(cur, made, name, cur.sql(sql).to_arrow_table())


def _hold(cur: Any, made: Plan, name: str, table: pa.Table) -> None:
    if name in made.swappable:
        made.swappable[name].table = table
    else:
        made.swappable[name] = Swappable(table)
        cur.register(name, made.swappable[name])


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
