"""The engine port: one Ibis backend (DuckDB, Spark or PostgreSQL) that supplies the tables metrics run on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from lodestar.analytics.rollups import KINDS

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


@dataclass
class AnalyticsEngine:
    """An Ibis connection plus where the roll-ups live; metrics ask it for tables and run on it."""

    name: str
    con: Any
    rollup_dir: Path
    _loaded: dict[str, ir.Table] = field(default_factory=dict)

    def _files(self, kind: str) -> list[Path]:
        return sorted((self.rollup_dir / kind).glob("[0-9]*.parquet"))

    def rollup(self, kind: str) -> ir.Table:
        """The roll-up of this kind (usage, users or accounts) as a table of this engine."""
        if kind not in KINDS:
            raise ValueError(f"unknown roll-up {kind!r}")
        if kind in self._loaded:
            return self._loaded[kind]
        files = self._files(kind)
        if not files:
            table = self.table(f"empty_{kind}", ROLLUP_SCHEMAS[kind].empty_table())
        elif self.name == "duckdb":
            table = self.con.read_parquet([str(f) for f in files])
        elif self.name == "spark":
            table = self.con.read_parquet(str(self.rollup_dir / kind))
        else:  # PostgreSQL cannot read Parquet: load the roll-up into a table of the analytics schema
            data = pa.concat_tables(pq.read_table(f, schema=ROLLUP_SCHEMAS[kind]) for f in files)
            table = self.con.create_table(f"rollup_{kind}", data, database=ANALYTICS_SCHEMA, overwrite=True)
        self._loaded[kind] = table
        return table

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
    name: str, rollup_dir: Path, spark_remote: str | None = None, postgres_url: str | None = None
) -> AnalyticsEngine:
    """Connects the named engine (duckdb, spark or postgres)."""
    if name == "duckdb":
        return AnalyticsEngine(name, ibis.duckdb.connect(), rollup_dir)
    if name == "spark":
        return AnalyticsEngine(name, ibis.pyspark.connect(spark_session(spark_remote)), rollup_dir)
    if name == "postgres":
        if not postgres_url:
            raise ValueError("the postgres engine needs a PostgreSQL URL")
        con = ibis.connect(postgres_url.replace("postgresql+psycopg://", "postgres://"))
        con.raw_sql(f"CREATE SCHEMA IF NOT EXISTS {ANALYTICS_SCHEMA}")
        return AnalyticsEngine(name, con, rollup_dir)
    raise ValueError(f"unknown analytics engine {name!r}: use one of {', '.join(ENGINES)}")


def spark_session(remote: str | None = None) -> Any:
    """A Spark session: Spark Connect at `remote`, else a local one, in UTC."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("lodestar")
    if remote:
        builder = builder.remote(remote)
    else:
        builder = (
            builder.master("local[4]")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.memory", "2g")
        )
    return builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()


def from_settings(settings: Any) -> AnalyticsEngine:
    """The engine the settings choose, with roll-ups under the data directory."""
    return connect(
        settings.analytics_engine,
        settings.data_dir / "rollups",
        spark_remote=settings.spark_remote,
        postgres_url=settings.resolved_database_url,
    )
