"""Indexes for the team and company cockpits at 100,000 accounts: the summary groups, the health movers and
the renewals in the window read narrow indexes instead of the wide rows

Revision ID: 0014
Revises: 0012
"""

from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_accounts_owner_summary",
        "accounts",
        ["owner_id", "currency", "health_grade", "stage", "status", "arr"],
    )
    op.create_index("ix_accounts_health_trend_7d", "accounts", ["health_trend_7d"])
    ending = ["status", "end_date", "account_id", "arr", "currency"]
    op.create_index("ix_contracts_ending", "contracts", ending)


def downgrade() -> None:
    op.drop_index("ix_contracts_ending", table_name="contracts")
    op.drop_index("ix_accounts_health_trend_7d", table_name="accounts")
    op.drop_index("ix_accounts_owner_summary", table_name="accounts")
