"""Indexes on updated_at of the accounts, contracts and renewals: a cache of figures computed from those
tables (lodestar.db.generation) reads their newest change as a seek instead of a scan; and the open
renewals in list order (contract end, id), so a page of the renewals list reads one page of the index

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLES = ("accounts", "contracts", "renewals")
_OPEN = sa.text("outcome IS NULL")


def upgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_updated_at", table, ["updated_at"])
    op.create_index(
        "ix_renewals_open_end", "renewals", ["contract_end", "id"], sqlite_where=_OPEN, postgresql_where=_OPEN
    )


def downgrade() -> None:
    op.drop_index("ix_renewals_open_end", table_name="renewals")
    for table in TABLES:
        op.drop_index(f"ix_{table}_updated_at", table_name=table)
