"""Runs the Alembic migrations programmatically (used by `lodestar migrate`, the demo and tests)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from lodestar.db import generations

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the packaged migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Brings the schema up to `revision` on this engine's database.

    Every command starts here, so a database already at the newest revision only has its counting triggers
    ensured: no migration environment, and no whole-database foreign-key check, whose cost grows with the
    history tables (on SQLite it reads every row that has a foreign key)."""
    if revision == "head" and at_head(engine):
        with engine.begin() as conn:
            if generations.TABLE in inspect(conn).get_table_names():
                generations.install(conn)
        return
    _migrate(engine, lambda cfg: command.upgrade(cfg, revision))


def at_head(engine: Engine) -> bool:
    """Whether the database is at the newest revision of the packaged migrations."""
    heads = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string())).get_heads()
    return [current_revision(engine)] == heads


def downgrade(engine: Engine, revision: str) -> None:
    """Takes the schema back down to `revision` ("base": no tables) on this engine's database."""
    _migrate(engine, lambda cfg: command.downgrade(cfg, revision))


def _migrate(engine: Engine, step: Callable[[Config], None]) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            # SQLite alters a table by copying it and dropping the original; with foreign keys on, that
            # drop would cascade into every child table. The pragma only works outside a transaction.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                step(cfg)
                if generations.TABLE in inspect(conn).get_table_names():
                    generations.install(conn)  # a table a migration added or rebuilt is counted too
                if sqlite:
                    problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if problems:
                        raise RuntimeError(f"migration left broken foreign keys: {problems[:5]}")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None if it was never migrated."""
    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return row[0] if row else None
