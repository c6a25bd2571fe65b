"""Renewal records: one renewal per contract from its renewal window on, and the history of its forecast

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_MONEY = sa.Numeric(precision=14, scale=2)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "renewals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("contract_end", sa.Date(), nullable=False),
        sa.Column("arr", _MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("forecast", sa.String(length=16), nullable=True),
        sa.Column("likelihood", sa.Double(), nullable=True),
        sa.Column("next_step", sa.Text(), nullable=True),
        sa.Column("proposal_edition", sa.String(length=40), nullable=True),
        sa.Column("proposal_seats", sa.Integer(), nullable=True),
        sa.Column("proposal_price", _MONEY, nullable=True),
        sa.Column("proposal_discount", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("proposal_notes", sa.Text(), nullable=True),
        sa.Column("documents", _JSON, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_source", sa.String(length=12), nullable=True),
        sa.Column("renewing_contract_id", sa.Integer(), nullable=True),
        sa.Column("change_currency", sa.String(length=3), nullable=True),
        sa.Column("renewal_arr", _MONEY, nullable=True),
        sa.Column("expansion_arr", _MONEY, nullable=True),
        sa.Column("contraction_arr", _MONEY, nullable=True),
        sa.Column("churn_arr", _MONEY, nullable=True),
        sa.Column("reasons", _JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_at", _TS, nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        _fk("renewals", "contract_id", "contracts", "CASCADE"),
        _fk("renewals", "account_id", "accounts", "CASCADE"),
        _fk("renewals", "owner_id", "users", "SET NULL"),
        _fk("renewals", "renewing_contract_id", "contracts", "SET NULL"),
        _fk("renewals", "closed_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renewals")),
        sa.UniqueConstraint("contract_id", name=op.f("uq_renewals_contract_id")),
    )
    op.create_index(op.f("ix_renewals_account_id"), "renewals", ["account_id"])
    op.create_index(
        "ix_renewals_outcome_end",
        "renewals",
        ["outcome", "contract_end", "forecast", "currency", "arr", "account_id"],
    )
    op.create_table(
        "renewal_forecast_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("renewal_id", sa.Integer(), nullable=False),
        sa.Column("from_category", sa.String(length=16), nullable=True),
        sa.Column("to_category", sa.String(length=16), nullable=False),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        sa.Column("changed_at", _TS, nullable=False),
        _fk("renewal_forecast_changes", "renewal_id", "renewals", "CASCADE"),
        _fk("renewal_forecast_changes", "changed_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renewal_forecast_changes")),
    )
    op.create_index(
        op.f("ix_renewal_forecast_changes_renewal_id"), "renewal_forecast_changes", ["renewal_id"]
    )


def downgrade() -> None:
    op.drop_table("renewal_forecast_changes")
    op.drop_table("renewals")
