"""Feature requests (the accounts that asked, each status change) and referrals

Revision ID: 0022
Revises: 0020 (for now: 0021 is being written beside it; re-chained on merge)
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0020"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _requests() -> None:
    op.create_table(
        "feature_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=80), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("public_note", sa.Text(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        _fk("feature_requests", "merged_into_id", "feature_requests"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_requests")),
        sa.UniqueConstraint("external_id", name=op.f("uq_feature_requests_external_id")),
    )
    op.create_index(op.f("ix_feature_requests_status"), "feature_requests", ["status"])
    op.create_index(op.f("ix_feature_requests_merged_into_id"), "feature_requests", ["merged_into_id"])
    op.create_table(
        "feature_request_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("asked_on", sa.Date(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        _fk("feature_request_links", "request_id", "feature_requests", "CASCADE"),
        _fk("feature_request_links", "account_id", "accounts", "CASCADE"),
        _fk("feature_request_links", "contact_id", "contacts", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_request_links")),
        sa.UniqueConstraint("request_id", "account_id", name=op.f("uq_feature_request_links_request_id")),
    )
    op.create_index("ix_feature_request_links_account_id", "feature_request_links", ["account_id"])
    op.create_table(
        "feature_request_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("public_note", sa.Text(), nullable=True),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("changed_at", _TS, nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        _fk("feature_request_changes", "request_id", "feature_requests", "CASCADE"),
        _fk("feature_request_changes", "actor_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_request_changes")),
    )
    op.create_index(op.f("ix_feature_request_changes_request_id"), "feature_request_changes", ["request_id"])


def _referrals() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("lead_name", sa.String(length=120), nullable=False),
        sa.Column("lead_company", sa.String(length=200), nullable=False),
        sa.Column("lead_email", sa.String(length=200), nullable=True),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("arr", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        _fk("referrals", "account_id", "accounts", "CASCADE"),
        _fk("referrals", "contact_id", "contacts", "SET NULL"),
        _fk("referrals", "contract_id", "contracts", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    op.create_index("ix_referrals_account_referred", "referrals", ["account_id", "referred_on"])
    op.create_index(op.f("ix_referrals_status"), "referrals", ["status"])


def upgrade() -> None:
    _requests()
    _referrals()


def downgrade() -> None:
    op.drop_table("referrals")
    op.drop_table("feature_request_changes")
    op.drop_table("feature_request_links")
    op.drop_table("feature_requests")
