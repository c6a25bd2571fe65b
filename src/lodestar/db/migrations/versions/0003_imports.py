"""bulk imports: saved mappings, external ids for upserts, contract churn outcomes

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_EXTERNAL = ("contacts", "touches", "survey_responses")


def upgrade() -> None:
    op.create_table(
        "import_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "spec",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_import_mappings_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_mappings")),
        sa.UniqueConstraint("name", name=op.f("uq_import_mappings_name")),
    )
    for table in _EXTERNAL:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("external_id", sa.String(length=80), nullable=True))
            batch.create_index(batch.f(f"ix_{table}_external_id"), ["external_id"], unique=True)
    with op.batch_alter_table("contracts") as batch:
        batch.add_column(sa.Column("churned_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("churn_reason", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("churn_reason_raw", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("churn_feedback", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contracts") as batch:
        for column in ("churn_feedback", "churn_reason_raw", "churn_reason", "churned_on"):
            batch.drop_column(column)
    for table in _EXTERNAL:
        with op.batch_alter_table(table) as batch:
            batch.drop_index(batch.f(f"ix_{table}_external_id"))
            batch.drop_column("external_id")
    op.drop_table("import_mappings")
