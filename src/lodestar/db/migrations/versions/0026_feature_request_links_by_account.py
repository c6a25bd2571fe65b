"""Feature-request links by account, then request (the list's sums read them account by account)

Revision ID: 0026
Revises: 0024
"""

from alembic import op

revision = "0026"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Covers the list's join: accounts read in order, each one's requests from the index alone. It leads
    # with account_id, so the index on account_id alone goes.
    op.create_index(
        "ix_feature_request_links_account_request", "feature_request_links", ["account_id", "request_id"]
    )
    op.drop_index("ix_feature_request_links_account_id", table_name="feature_request_links")


def downgrade() -> None:
    op.create_index("ix_feature_request_links_account_id", "feature_request_links", ["account_id"])
    op.drop_index("ix_feature_request_links_account_request", table_name="feature_request_links")
