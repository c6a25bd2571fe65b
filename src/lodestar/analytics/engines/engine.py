"""The engine port: one Ibis backend (DuckDB, Spark or PostgreSQL) that supplies the tables metrics run on."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from lodestar.analytics.event_partitions import day_folder, part_files, partition_days
from lodestar.analytics.event_store import EVENT_SCHEMA, read_events
from lodestar.analytics.last_active_state import STATE_KINDS, read_state, state_manifest, state_sql
from lodestar.analytics.rollups import KINDS, ensure_days, load_manifest
from lodestar.kit.errors import LodestarError
from lodestar.kit.time import day_number, from_day_number

ENGINES = ("duckdb", "spark", "postgres")
ANALYTICS_SCHEMA = "lodestar_analytics"

ROLLUP_SCHEMAS = {
    "usage": pa.schema(
        [
            ("group_id", pa.string()),
            ("user_id", pa.string()),
            ("feature", pa.string()),
            ("day", pa.int32()),
            ("events", pa.int64()),
        ]
    ),
    "users": pa.schema(
        [("group_id", pa.string()), ("user_id", pa.string()), ("day", pa.int32()), ("events", pa.int64())]
    ),
    "accounts": pa.schema([("group_id", pa.string()), ("day", pa.int32()), ("events", pa.int64())]),
}
STATE_SCHEMAS = {
    "recent": ROLLUP_SCHEMAS["accounts"],
    "users": pa.schema([("group_id", pa.string()), ("user_id", pa.string()), ("last_day", pa.int32())]),
    "features": pa.schema([("group_id", pa.string()), ("feature", pa.string()), ("last_day", pa.int32())]),
    "accounts": pa.schema([("group_id", pa.string()), ("last_day", pa.int32())]),
    "trained": pa.schema([("group_id", pa.string()), ("user_id", pa.string()), ("first_day", pa.int32())]),
}
DUCKDB_MEMORY_LIMIT = "1GB"  # DuckDB spills past this instead of growing: backfills keep a bounded footprint


@dataclass
class AnalyticsEngine:
    """An Ibis connection plus where the roll-ups live; metrics ask it for tables and run on it."""

    name: str
    con: Any
    rollup_dir: Path
    events_dir: Path | None = None  # the event store; by default beside the roll-ups, as in the data dir
    _loaded: dict[str, ir.Table] = field(default_factory=dict)
    plans: dict[Hashable, Any] = field(default_factory=dict)  # compiled queries by shape (duckdb_plan_cache)

    def rollup_files(
        self, kind: str, first_day: int | None = None, last_day: int | None = None
    ) -> list[Path]:
        """The per-day Parquet files of one roll-up kind (only days first_day..last_day, where given); days a
        first build deferred are written first."""
        ensure_days(self.event_store(), self.rollup_dir, first_day, last_day)
        files = sorted((self.rollup_dir / kind).glob("[0-9]*.parquet"))
        if first_day is None and last_day is None:
            return files
        first = date.min if first_day is None else from_day_number(first_day)
        last = date.max if last_day is None else from_day_number(last_day)
        return [f for f in files if first <= date.fromisoformat(f.stem) <= last]

    def rollup(self, kind: str, first_day: int | None = None, last_day: int | None = None) -> ir.Table:
        """The roll-up of this kind (usage, users or accounts) as a table of this engine.

        first_day/last_day (day numbers) say which days the caller reads, so DuckDB opens only those
        days' files (one file per day: each one opened costs even when its statistics rule it out);
        other engines read every day. Callers still filter on `day`.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown roll-up {kind!r}")
        if self.name != "duckdb":  # Spark reads the folder, PostgreSQL loads every day once
            first_day = last_day = None
        key = f"rollup_{kind}_{first_day}_{last_day}"
        if key in self._loaded:
            return self._loaded[key]
        files = self.rollup_files(kind, first_day, last_day)
        if not files:
            table = self.table(f"empty_{kind}", ROLLUP_SCHEMAS[kind].empty_table())
        elif self.name == "duckdb":
            table = self.con.read_parquet([str(f) for f in files])
        elif self.name == "spark":
            table = self.con.read_parquet(str(self.rollup_dir / kind))
        else:  # PostgreSQL cannot read Parquet: load the roll-up into a table of the analytics schema
            data = pa.concat_tables(pq.read_table(f, schema=ROLLUP_SCHEMAS[kind]) for f in files)
            table = self.con.create_table(f"rollup_{kind}", data, database=ANALYTICS_SCHEMA, overwrite=True)
        self._loaded[key] = table
        return table

    def event_store(self) -> Path:
        """Where the raw events are (custom metrics that read properties scan them)."""
        return self.events_dir or self.rollup_dir.parent / "events"

    def event_files(self, first_day: int, last_day: int) -> list[Path]:
        """The event store's Parquet files of the UTC days first_day..last_day (day numbers)."""
        root, first, last = self.event_store(), from_day_number(first_day), from_day_number(last_day)
        days = [d for d in partition_days(root) if first <= d <= last]
        return [f for d in days for f in part_files(day_folder(root, d))]

    def events(self, first_day: int, last_day: int) -> ir.Table:
        """The raw events (EVENT_SCHEMA) of days first_day..last_day as a table of this engine."""
        key = f"events_{first_day}_{last_day}"
        if key in self._loaded:
            return self._loaded[key]
        files = self.event_files(first_day, last_day)
        if not files:
            table = self.table("empty_events", EVENT_SCHEMA.empty_table())
        elif self.name == "duckdb":
            table = self.con.read_parquet([str(f) for f in files])
        elif self.name == "spark":
            view = f"lodestar_events_{uuid.uuid4().hex[:10]}"
            self.con._session.read.parquet(*[str(f) for f in files]).createOrReplaceTempView(view)
            table = self.con.table(view)
        else:  # PostgreSQL cannot read Parquet: load those days into the analytics schema's one events table
            for loaded in [k for k in self._loaded if k.startswith("events_")]:
                del self._loaded[loaded]
            data = read_events(self.event_store(), from_day_number(first_day), from_day_number(last_day))
            table = self.con.create_table("events", data, database=ANALYTICS_SCHEMA, overwrite=True)
        self._loaded[key] = table
        return table

    def state(self, kind: str) -> ir.Table:
        """The last-active state of this kind (analytics.last_active_state) as a table of this engine."""
        if kind not in STATE_KINDS:
            raise ValueError(f"unknown state {kind!r}")
        key = f"state_{kind}"
        if key not in self._loaded:
            self._loaded[key] = self._state_file(kind)
        return self._loaded[key]

    def read_ahead(self, source: ir.Table) -> ir.Table:
        """A file source already narrowed to the accounts at hand (one account: a few rows).

        Engines read it within the query; a one-account DuckDB plan reads it first, by a statement of
        its own, so the plan itself reads tables in memory only (analytics.engines.duckdb_plan_cache).
        """
        return source

    def latest_day(self) -> int | None:
        """The newest roll-up day when the state matches the roll-ups (else None: use the roll-ups)."""
        built = state_manifest(self.rollup_dir)
        if not built or built != load_manifest(self.rollup_dir):
            return None
        return day_number(date.fromisoformat(max(built)))

    def _state_file(self, kind: str) -> ir.Table:
        """The state's base and delta read as one table (analytics.last_active_state)."""
        if self.name == "duckdb":
            return self.con.sql(state_sql(self.rollup_dir, kind))
        data = read_state(self.rollup_dir, kind).cast(STATE_SCHEMAS[kind])
        if self.name == "spark":
            return self.table(f"state_{kind}", data)
        return self.con.create_table(f"state_{kind}", data, database=ANALYTICS_SCHEMA, overwrite=True)

    def refresh(self) -> None:
        """Forgets loaded roll-ups so the next use sees updated files."""
        self._loaded.clear()

    def table(self, name: str, data: pa.Table) -> ir.Table:
        """An operational input (a pyarrow table) as a table of this engine."""
        if self.name == "spark":  # straight from Arrow: a pandas detour turns null ints into floats
            view = f"lodestar_{name}_{uuid.uuid4().hex[:10]}"
            self.con._session.createDataFrame(data).createOrReplaceTempView(view)
            return self.con.table(view)
        return ibis.memtable(data)

    def to_arrow(self, expr: ir.Table) -> pa.Table:
        """Runs an expression on this engine."""
        return self.con.to_pyarrow(expr)


def connect(
    name: str,
    rollup_dir: Path,
    spark_remote: str | None = None,
    postgres_url: str | None = None,
    events_dir: Path | None = None,
) -> AnalyticsEngine:
    """Connects the named engine (duckdb, spark or postgres)."""
    if name == "duckdb":
        spill = Path(tempfile.gettempdir()) / "lodestar-duckdb"
        con = ibis.duckdb.connect(memory_limit=DUCKDB_MEMORY_LIMIT, temp_directory=str(spill))
        con.raw_sql("SET enable_progress_bar = false")  # its bar goes to stdout: it would break --json
        return AnalyticsEngine(name, con, rollup_dir, events_dir)
    if name == "spark":
        session = spark_session(spark_remote)  # first: it explains a missing Spark better than Ibis does
        return AnalyticsEngine(name, ibis.pyspark.connect(session), rollup_dir, events_dir)
    if name == "postgres":
        if not postgres_url:
            raise ValueError("the postgres engine needs a PostgreSQL URL")
        con = ibis.connect(postgres_url.replace("postgresql+psycopg://", "postgres://"))
        con.raw_sql(f"CREATE SCHEMA IF NOT EXISTS {ANALYTICS_SCHEMA}")
        return AnalyticsEngine(name, con, rollup_dir, events_dir)
    raise ValueError(f"unknown analytics engine {name!r}: use one of {', '.join(ENGINES)}")


class EngineUnavailable(LodestarError):
    """The chosen analytics engine cannot start; the message says what to install or set."""

    status_code = 503


SPARK_MISSING = "the spark analytics engine needs Spark: pip install 'lodestar[spark]'"
JAVA_MISSING = (
    "Spark could not start Java: install a Java 17 runtime (or point JAVA_HOME at one), "
    "or set LODESTAR_ANALYTICS_ENGINE=duckdb"
)


def spark_session(remote: str | None = None) -> Any:
    """A Spark session: Spark Connect at `remote`, else a local one, in UTC."""
    try:
        import ibis.backends.pyspark  # noqa: F401  (the Ibis side of the spark extra)
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineUnavailable(SPARK_MISSING) from None
    builder = SparkSession.builder.appName("lodestar")
    if remote:
        builder = builder.remote(remote)
    else:
        builder = (
            builder.master("local[4]")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")  # no progress bars on stderr
            .config("spark.driver.memory", "2g")
        )
    try:
        session = builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()
    except Exception as exc:  # PySparkRuntimeError [JAVA_GATEWAY_EXITED], or no java binary at all
        if "JAVA_GATEWAY_EXITED" in str(exc) or isinstance(exc, FileNotFoundError):
            raise EngineUnavailable(JAVA_MISSING) from None
        raise
    if not remote:
        session.sparkContext.setLogLevel("ERROR")  # Spark's WARN lines would flood stderr on every run
    return session


def from_settings(settings: Any) -> AnalyticsEngine:
    """The engine the settings choose, with roll-ups under the data directory."""
    return connect(
        settings.analytics_engine,
        settings.data_dir / "rollups",
        spark_remote=settings.spark_remote,
        postgres_url=settings.resolved_database_url,
        events_dir=settings.events_dir,
    )
