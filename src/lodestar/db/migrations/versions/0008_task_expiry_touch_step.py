"""Tasks that expire when their stage ends (the day it ended), and touches that name the SOP step they do

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("expired_on", sa.Date(), nullable=True))
    with op.batch_alter_table("touches") as batch:
        batch.add_column(sa.Column("step", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("touches") as batch:
        batch.drop_column("step")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("expired_on")
