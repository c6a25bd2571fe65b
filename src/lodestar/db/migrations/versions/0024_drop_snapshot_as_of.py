"""Accounts no longer carry the date of the snapshot their health values came from

Every daily run wrote it onto every account, so each run updated all of them even where nothing else
changed; nothing read it (the newest snapshot's date is the newest succeeded run's, and the store's).

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("snapshot_as_of")


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("snapshot_as_of", sa.Date(), nullable=True))
