"""The data generation: a number the database itself moves on every write to any operational table.

Triggers installed on every table (but the snapshot run's own record and lock, this one, and the
feature-request totals that other triggers keep) count writes: on SQLite a row trigger adds one to
`data_generation.generation`; on PostgreSQL a statement trigger that saw rows takes the next value of the
sequence `data_generation_seq` (a sequence takes no row lock, so writers never wait on one another for it).
Whatever wrote — a page, an import, the API, raw SQL — the number moves, so "the generation is what it was"
means "no table was written since".

A job that wants its own writes left out (the snapshot run: its writes follow from its inputs) turns the
counting off inside its own transaction with `quiet`; other transactions still count, and it must call
`loud` before it commits.
"""

from __future__ import annotations

import time

from sqlalchemy import BigInteger, Boolean, Connection, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from lodestar.db.base import Base

TABLE = "data_generation"
SEQUENCE = "data_generation_seq"
PREFIX = "lodestar_gen_"
# The feature-request totals are written only by triggers on links and accounts, in the same statement as
# a counted write: counting them too doubled the cost of every row those triggers touch on SQLite.
TRIGGER_KEPT = ("feature_request_totals", "feature_request_tier_stage_totals", "feature_request_owner_totals")
UNCOUNTED = frozenset({TABLE, "snapshot_runs", "job_locks", "alembic_version", *TRIGGER_KEPT})
OPS = ("insert", "update", "delete")


class DataGeneration(Base):
    """One row (id 1): the write count on SQLite, and whether the transaction that set it is quiet."""

    __tablename__ = TABLE

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    quiet: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


def counted_tables(conn: Connection) -> list[str]:
    """The tables whose writes move the generation: every table of the database but the uncounted."""
    if conn.dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    else:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    return sorted(n for (n,) in conn.execute(text(sql)) if n not in UNCOUNTED)


_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION lodestar_gen_{op}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM {rows}) AND NOT coalesce((SELECT quiet FROM data_generation WHERE id = 1), false)
  THEN PERFORM nextval('data_generation_seq');
  END IF;
  RETURN NULL;
END $$
"""
_PG_TRUNCATE = """
CREATE OR REPLACE FUNCTION lodestar_gen_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM nextval('data_generation_seq'); RETURN NULL; END $$
"""


def install(conn: Connection) -> int:
    """(Re)creates the counting triggers on every counted table (a SQLite table rebuilt by a migration loses
    its triggers, so `migrate.upgrade` calls this after every upgrade); how many tables are counted."""
    tables = counted_tables(conn)
    sqlite = conn.dialect.name == "sqlite"
    if not sqlite:
        conn.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}"))
        for op, rows in (("insert", "new_rows"), ("update", "new_rows"), ("delete", "old_rows")):
            conn.execute(text(_PG_FUNCTION.format(op=op, rows=rows)))
        conn.execute(text(_PG_TRUNCATE))
    conn.execute(text(f"INSERT INTO {TABLE} (id, generation, quiet) SELECT 1, 0, false WHERE NOT EXISTS "
                      f"(SELECT 1 FROM {TABLE} WHERE id = 1)"))  # fmt: skip
    # Only missing triggers are created: dropping and recreating present ones would take an exclusive lock
    # on every table at each start of a command, waiting on (and stalling behind) any open transaction.
    present = set(_present(conn))
    for table in tables:
        for op in (*OPS, *(() if sqlite else ("truncate",))):
            name = f"{PREFIX}{table}_{op}"
            if (table, name) not in present:
                conn.execute(text(_trigger(sqlite, name, table, op)))
    return len(tables)


def _present(conn: Connection) -> list[tuple[str, str]]:
    """(table, trigger name) of every counting trigger there is."""
    if conn.dialect.name == "sqlite":
        sql = f"SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '{PREFIX}%'"
    else:
        sql = _PG_TRIGGERS.replace("t.tgname, c.relname", "c.relname, t.tgname")
    return [(str(table), str(name)) for table, name in conn.execute(text(sql))]


def _trigger(sqlite: bool, name: str, table: str, op: str) -> str:
    if sqlite:
        return (
            f'CREATE TRIGGER "{name}" AFTER {op.upper()} ON "{table}" '
            f"WHEN coalesce((SELECT quiet FROM {TABLE} WHERE id = 1), 0) = 0 "
            f"BEGIN UPDATE {TABLE} SET generation = generation + 1 WHERE id = 1; END"
        )
    if op == "truncate":
        return (
            f'CREATE TRIGGER "{name}" AFTER TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION lodestar_gen_truncate()"
        )
    rows = "OLD TABLE AS old_rows" if op == "delete" else "NEW TABLE AS new_rows"
    return (
        f'CREATE TRIGGER "{name}" AFTER {op.upper()} ON "{table}" REFERENCING {rows} '
        f"FOR EACH STATEMENT EXECUTE FUNCTION lodestar_gen_{op}()"
    )


def uninstall(conn: Connection) -> None:
    """Drops every counting trigger and the PostgreSQL functions and sequence (a downgrade's first step)."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(
            text(f"SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '{PREFIX}%'")
        )
        for (name,) in rows.all():
            conn.execute(text(f'DROP TRIGGER IF EXISTS "{name}"'))
        return
    for name, table in conn.execute(text(_PG_TRIGGERS)).all():
        conn.execute(text(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"'))
    for op in (*OPS, "truncate"):
        conn.execute(text(f"DROP FUNCTION IF EXISTS lodestar_gen_{op}()"))
    conn.execute(text(f"DROP SEQUENCE IF EXISTS {SEQUENCE}"))


_PG_TRIGGERS = (
    "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    f"WHERE NOT t.tgisinternal AND t.tgname LIKE '{PREFIX}%' "
    "AND c.relnamespace = current_schema()::regnamespace"
)


def complete(conn: Connection) -> bool:
    """Whether every counted table has all its counting triggers (if not, no write may be trusted unseen)."""
    per_table = len(OPS) + (0 if conn.dialect.name == "sqlite" else 1)
    found: dict[str, int] = {}
    for table, _ in _present(conn):
        found[table] = found.get(table, 0) + 1
    return all(found.get(t) == per_table for t in counted_tables(conn))


def _ensure_row(session: Session) -> None:
    """Puts the row back if someone deleted it: writes went uncounted meanwhile, so it starts from the clock
    in nanoseconds, a number no count kept before can have reached."""
    if session.execute(text(f"SELECT 1 FROM {TABLE} WHERE id = 1")).first() is None:
        start = time.time_ns()
        session.execute(text(f"INSERT INTO {TABLE} (id, generation, quiet) VALUES (1, {start}, false)"))


def current(session: Session) -> int:
    """The generation now (writes committed by others, and this transaction's own unless it is quiet)."""
    if session.get_bind().dialect.name == "sqlite":
        _ensure_row(session)
        return int(session.execute(text(f"SELECT generation FROM {TABLE} WHERE id = 1")).scalar_one())
    value, called = session.execute(text(f"SELECT last_value, is_called FROM {SEQUENCE}")).one()
    return int(value) if called else 0


def others_writing(session: Session) -> bool:
    """Whether another transaction of this database holds uncommitted writes now (PostgreSQL; SQLite has one
    writer at a time, and a quiet transaction is it): its rows may be counted yet unseen by this one.
    Autovacuum and autoanalyze (which take transaction ids of their own) change no data and are left out."""
    if session.get_bind().dialect.name == "sqlite":
        return False
    sql = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
    )
    return bool(session.execute(text(sql)).scalar_one())


def quiet(session: Session) -> None:
    """Stops counting this transaction's own writes (its first write: on SQLite it takes the write lock)."""
    _ensure_row(session)
    session.execute(text(f"UPDATE {TABLE} SET quiet = true WHERE id = 1"))


def loud(session: Session) -> None:
    """Counts this transaction's writes again; before it commits, so no one else's writes go uncounted."""
    session.execute(text(f"UPDATE {TABLE} SET quiet = false WHERE id = 1"))
