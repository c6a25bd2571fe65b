"""The data generation (a write count the database keeps through triggers) and each snapshot run's
fingerprint of its inputs, so a run whose inputs are all unchanged can be skipped

The triggers themselves are (re)installed by `lodestar.db.migrate.upgrade` after every upgrade, over the
tables that exist then; the downgrade drops them first (a SQLite trigger naming a dropped table would fail
every later write).

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_generation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("generation", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("quiet", sa.Boolean(), server_default="0", nullable=False),
    )
    with op.batch_alter_table("snapshot_runs") as batch:
        batch.add_column(sa.Column("fingerprint", sa.String(64), nullable=True))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        found = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'lodestar_gen_%'"
        )
        for (name,) in found.all():
            conn.exec_driver_sql(f'DROP TRIGGER IF EXISTS "{name}"')
    else:
        found = conn.exec_driver_sql(
            "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgname LIKE 'lodestar_gen_%%'"
        )
        for name, table in found.all():
            conn.exec_driver_sql(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
        for fn in ("insert", "update", "delete", "truncate"):
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS lodestar_gen_{fn}()")
        conn.exec_driver_sql("DROP SEQUENCE IF EXISTS data_generation_seq")
    with op.batch_alter_table("snapshot_runs") as batch:
        batch.drop_column("fingerprint")
    op.drop_table("data_generation")
