"""A consistent copy of the operational database while the server runs, and putting one back.

SQLite: the online backup API copies every page in one step under a read transaction, so writers in WAL
mode carry on and the copy is one point in time. PostgreSQL: a REPEATABLE READ transaction exports its
snapshot and `pg_dump --snapshot` dumps exactly that snapshot, so what Lodestar reads for the manifest
(row counts, the mover's offset, the configuration) is the same point in time as the dump.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from lodestar.backup.archive import BackupError
from lodestar.db import generations
from lodestar.tables import metadata

T = TypeVar("T")
SQLITE_MEMBER = "database/lodestar.sqlite3"
POSTGRES_MEMBER = "database/lodestar.pgdump"


def row_counts(conn: Connection) -> dict[str, int]:
    """Rows per table of the models (tables this database lacks are left out, and the data generation: a
    count of writes the database keeps for itself, seeded again by the upgrade after a restore)."""
    present = set(inspect(conn).get_table_names()) - {generations.TABLE}
    return {
        str(table.name): int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        for table in metadata.sorted_tables
        if table.name in present
    }


def sqlite_path(url: str) -> Path:
    """The file of a sqlite:/// URL."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("LODESTAR_DATABASE_URL: an in-memory SQLite database cannot be backed up")
    return Path(database)


def dump(engine: Engine, staging: Path, read: Callable[[Connection], T]) -> tuple[str, T]:
    """Copies the database into staging; returns the member written and `read` run on the same snapshot."""
    if engine.dialect.name == "sqlite":
        target = staging / SQLITE_MEMBER
        target.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(sqlite_path(engine.url.render_as_string(hide_password=False)))
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # pages=-1: one step, one read transaction, one point in time
        finally:
            copy.close()
            source.close()
        copied = create_engine(f"sqlite:///{target}", poolclass=NullPool)
        try:
            with copied.connect() as conn:
                return SQLITE_MEMBER, read(conn)
        finally:
            copied.dispose()
    return POSTGRES_MEMBER, _pg_dump(engine, staging / POSTGRES_MEMBER, read)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on PATH: install the PostgreSQL client tools "
            "(the same major version as the server or newer)"
        )
    return found


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment that carries the password."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr.strip()[-2000:]}")


def _pg_dump(engine: Engine, target: Path, read: Callable[[Connection], T]) -> T:
    target.parent.mkdir(parents=True, exist_ok=True)
    tool = _pg_tool("pg_dump")
    uri, env = _libpq(engine)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        result = read(conn)
        # The exported snapshot lives as long as this transaction: dump while it is open.
        args = [tool, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}"]
        _run([*args, f"--file={target}", f"--dbname={uri}"], env, "pg_dump")
    return result


def restore(engine: Engine, source: Path) -> None:
    """Replaces the database's content with the copy in `source` (the member dump wrote)."""
    if engine.dialect.name == "sqlite":
        engine.dispose()
        path = sqlite_path(engine.url.render_as_string(hide_password=False))
        path.parent.mkdir(parents=True, exist_ok=True)
        copy = sqlite3.connect(source)
        target = sqlite3.connect(path)
        try:
            copy.backup(target)  # through SQLite itself, so the target's WAL and locks are respected
        finally:
            target.close()
            copy.close()
        return
    tool = _pg_tool("pg_restore")
    uri, env = _libpq(engine)
    # --clean drops what the dump recreates (a freshly migrated, empty schema); one transaction: all or none.
    args = [tool, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction"]
    _run([*args, "--exit-on-error", f"--dbname={uri}", str(source)], env, "pg_restore")


def describe(engine: Engine) -> dict[str, Any]:
    """The dialect and a printable URL (no password) of the engine's database."""
    return {"dialect": engine.dialect.name, "url": engine.url.render_as_string(hide_password=True)}
