"""A throw-away PostgreSQL database for one benchmark: created empty, handed over as an engine, dropped."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable

from sqlalchemy import Engine, create_engine, text

from lodestar.db.engine import make_engine

PG_ADMIN = os.environ.get("LODESTAR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def on_scratch_postgres(label: str, work: Callable[[Engine], list[str]]) -> list[str]:
    """`work`'s lines, run on a new empty database that is dropped afterwards; one "skipped" line naming
    `label` when no PostgreSQL answers here."""
    name = f"lodestar_bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no PostgreSQL here: say so and go on
        return [f"{label} (PostgreSQL): skipped ({str(exc).splitlines()[0][:80]})"]
    engine = make_engine(PG_ADMIN.rsplit("/", 1)[0] + "/" + name)
    try:
        return work(engine)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def on_kept_postgres(label: str, name: str, work: Callable[[Engine, bool], list[str]]) -> list[str]:
    """`work`'s lines on the PostgreSQL database `name`, kept afterwards for the next run (BENCH_REUSE=1):
    work is told whether the database already held the data (it was there before this call)."""
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            present = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) == 1
            if not present:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # no PostgreSQL here: say so and go on
        return [f"{label} (PostgreSQL): skipped ({str(exc).splitlines()[0][:80]})"]
    engine = make_engine(PG_ADMIN.rsplit("/", 1)[0] + "/" + name)
    try:
        return work(engine, present)
    finally:
        engine.dispose()
