"""Indexes that start with the scope: a CSM's health movers and open renewals are read from indexes that
lead with the owner or the account, so a small portfolio never walks the whole company's index (the
planner picked those whenever its statistics had not yet seen a newly assigned owner)

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_accounts_owner_trend", "accounts", ["owner_id", "health_trend_7d"])
    by_account = ["account_id", "outcome", "contract_end", "forecast", "currency", "arr"]
    op.create_index("ix_renewals_account_outcome", "renewals", by_account)


def downgrade() -> None:
    op.drop_index("ix_renewals_account_outcome", table_name="renewals")
    op.drop_index("ix_accounts_owner_trend", table_name="accounts")
