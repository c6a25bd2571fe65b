"""Value reports: each account's report of a period, its share links and their views

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0021"
down_revision = "0025"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "value_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("highlights", sa.Text(), nullable=True),
        sa.Column("next_plan", sa.Text(), nullable=True),
        sa.Column("figures", _JSON, nullable=True),
        sa.Column("pdf_path", sa.String(length=400), nullable=True),
        sa.Column("published_at", _TS, nullable=True),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_value_reports_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["published_by"], ["users.id"], name=op.f("fk_value_reports_published_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_reports")),
        sa.UniqueConstraint("account_id", "period", name=op.f("uq_value_reports_account_id")),
    )
    op.create_index(op.f("ix_value_reports_account_id"), "value_reports", ["account_id"])
    op.create_table(
        "value_report_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("revoked_at", _TS, nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["value_reports.id"],
            name=op.f("fk_value_report_links_report_id_value_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_value_report_links_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_report_links")),
    )
    op.create_index(op.f("ix_value_report_links_report_id"), "value_report_links", ["report_id"])
    op.create_table(
        "value_report_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("viewed_at", _TS, nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["value_report_links.id"],
            name=op.f("fk_value_report_views_link_id_value_report_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_report_views")),
    )
    op.create_index(op.f("ix_value_report_views_link_id"), "value_report_views", ["link_id"])


def downgrade() -> None:
    op.drop_table("value_report_views")
    op.drop_table("value_report_links")
    op.drop_table("value_reports")
