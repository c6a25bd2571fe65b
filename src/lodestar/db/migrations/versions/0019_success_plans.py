"""Success plans: each account's objectives, its milestones, and the template entries already applied

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def _account_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["account_id"], ["accounts.id"], name=op.f(f"fk_{table}_account_id_accounts"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "success_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("objectives", sa.Text(), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        _account_fk("success_plans"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_success_plans")),
        sa.UniqueConstraint("account_id", name=op.f("uq_success_plans_account_id")),
    )
    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=80), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner_side", sa.String(length=8), nullable=False),
        sa.Column("owner_person", sa.String(length=120), nullable=True),
        sa.Column("target_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reached_on", sa.Date(), nullable=True),
        sa.Column("metric", sa.String(length=80), nullable=True),
        sa.Column("target_value", sa.Double(), nullable=True),
        sa.Column("template_key", sa.String(length=60), nullable=True),
        _account_fk("milestones"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
        sa.UniqueConstraint("external_id", name=op.f("uq_milestones_external_id")),
    )
    op.create_index("ix_milestones_account_target", "milestones", ["account_id", "target_on"])
    op.create_index(op.f("ix_milestones_status"), "milestones", ["status"])
    op.create_table(
        "milestone_template_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("template_key", sa.String(length=60), nullable=False),
        sa.Column("entered_on", sa.Date(), nullable=False),
        _account_fk("milestone_template_entries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_template_entries")),
        sa.UniqueConstraint(
            "account_id", "template_key", "entered_on", name=op.f("uq_milestone_template_entries_account_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("milestone_template_entries")
    op.drop_table("milestones")
    op.drop_table("success_plans")
