"""The migrations build exactly the models' schema, and every downgrade() runs, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from lodestar.db.engine import make_engine
from lodestar.db.migrate import alembic_config, current_revision, downgrade, upgrade
from lodestar.tables import metadata


def _schema_diff(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version", "sqlite_stat1"}


def test_the_migrations_produce_exactly_the_models_schema(postgres_or_sqlite_fresh: str) -> None:
    engine = make_engine(postgres_or_sqlite_fresh)
    upgrade(engine)
    assert _schema_diff(engine) == []
    engine.dispose()


def test_every_downgrade_runs_and_upgrading_again_rebuilds_the_same_schema(
    postgres_or_sqlite_fresh: str,
) -> None:
    engine = make_engine(postgres_or_sqlite_fresh)
    upgrade(engine)
    head = current_revision(engine)
    script = ScriptDirectory.from_config(alembic_config(postgres_or_sqlite_fresh))
    revisions = [r.revision for r in script.walk_revisions()]  # newest first
    assert len(revisions) >= 7
    for newer, older in zip(revisions, [*revisions[1:], "base"], strict=True):
        assert current_revision(engine) == newer
        downgrade(engine, older)
    assert current_revision(engine) is None
    assert _tables(engine) == set()
    upgrade(engine)
    assert current_revision(engine) == head
    assert _tables(engine) == set(metadata.tables)
    assert _schema_diff(engine) == []
    engine.dispose()
