"""Indexes on updated_at of the accounts, contracts and renewals: a cache of figures computed from those
tables (lodestar.db.generation) reads their newest change as a seek instead of a scan

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLES = ("accounts", "contracts", "renewals")


def upgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_updated_at", table, ["updated_at"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_updated_at", table_name=table)
