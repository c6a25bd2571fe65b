"""Purchase-intent stars on accounts: the latest stars (1-3), the score behind them and the day scored

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("intent_stars", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("intent_score", sa.Double(), nullable=True))
        batch.add_column(sa.Column("intent_scored_on", sa.Date(), nullable=True))
    op.create_index("ix_accounts_intent_stars", "accounts", ["intent_stars"])


def downgrade() -> None:
    op.drop_index("ix_accounts_intent_stars", table_name="accounts")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("intent_scored_on")
        batch.drop_column("intent_score")
        batch.drop_column("intent_stars")
