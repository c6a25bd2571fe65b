"""Engines for the shared metric suite: DuckDB (reference), Spark local and the local PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from lodestar.analytics.engines.engine import AnalyticsEngine, connect, spark_session

IN_CI = os.environ.get("CI", "").lower() == "true"
ENGINES = ["duckdb", "spark", "postgres"]


@pytest.fixture(scope="session")
def spark() -> Any:
    """One local Spark session for the whole test session (it is slow to start)."""
    try:
        session = spark_session()
    except Exception as exc:  # Java or pyspark missing
        if IN_CI:
            pytest.fail(f"Spark must start in CI: {exc}")
        pytest.skip(f"Spark unavailable: {exc}")
    return session


@pytest.fixture(scope="session")
def analytics_pg_url(postgres_admin_url: str) -> Iterator[str]:
    """A throwaway PostgreSQL database for the analytics engine."""
    name = f"lodestar_analytics_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield postgres_admin_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=ENGINES)
def make_engine(request: pytest.FixtureRequest) -> Any:
    """A function giving this engine over a roll-up folder."""

    def make(rollup_dir: Path) -> AnalyticsEngine:
        if request.param == "spark":
            request.getfixturevalue("spark")
            return connect("spark", rollup_dir)
        if request.param == "postgres":
            return connect("postgres", rollup_dir, postgres_url=request.getfixturevalue("analytics_pg_url"))
        return connect("duckdb", rollup_dir)

    return make
