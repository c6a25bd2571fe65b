"""Value report views say what the customer did: opened the share page (view) or downloaded its PDF

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every row logged before this revision was an opening of the page.
    with op.batch_alter_table("value_report_views") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=8), nullable=False, server_default="view"))


def downgrade() -> None:
    with op.batch_alter_table("value_report_views") as batch:
        batch.drop_column("kind")
