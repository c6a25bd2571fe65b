"""Snapshot runs keep the seconds of each phase (and the rows it wrote)

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("snapshot_runs") as batch:
        batch.add_column(sa.Column("phases", _JSON, server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("snapshot_runs") as batch:
        batch.drop_column("phases")
