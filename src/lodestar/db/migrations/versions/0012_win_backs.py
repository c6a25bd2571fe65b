"""Win-back: win-backs (one per contract that ended without renewal, then the sales lead pool) and churn
surveys (a one-use signed link, the answers)

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _win_backs() -> None:
    op.create_table(
        "win_backs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("churned_on", sa.Date(), nullable=False),
        sa.Column("window_ends_on", sa.Date(), nullable=False),
        sa.Column("churn_reason", sa.String(length=32), nullable=True),
        sa.Column("arr", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("reactivated_contract_id", sa.Integer(), nullable=True),
        sa.Column("lead_since", sa.Date(), nullable=True),
        sa.Column("lead_reactivated_on", sa.Date(), nullable=True),
        sa.Column("lead_contract_id", sa.Integer(), nullable=True),
        sa.Column("lead_notified_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        _fk("win_backs", "account_id", "accounts", "CASCADE"),
        _fk("win_backs", "contract_id", "contracts", "CASCADE"),
        _fk("win_backs", "owner_id", "users", "SET NULL"),
        _fk("win_backs", "reactivated_contract_id", "contracts", "SET NULL"),
        _fk("win_backs", "lead_contract_id", "contracts", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_win_backs")),
        sa.UniqueConstraint("contract_id", name=op.f("uq_win_backs_contract_id")),
    )
    op.create_index(op.f("ix_win_backs_account_id"), "win_backs", ["account_id"])
    op.create_index(op.f("ix_win_backs_churned_on"), "win_backs", ["churned_on"])
    op.create_index(op.f("ix_win_backs_outcome"), "win_backs", ["outcome"])


def _churn_surveys() -> None:
    op.create_table(
        "churn_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("win_back_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("answered_at", _TS, nullable=True),
        sa.Column("reasons", _JSON, nullable=True),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("would_return", sa.Integer(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        _fk("churn_surveys", "win_back_id", "win_backs", "CASCADE"),
        _fk("churn_surveys", "account_id", "accounts", "CASCADE"),
        _fk("churn_surveys", "contact_id", "contacts", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_churn_surveys")),
        sa.UniqueConstraint("win_back_id", name=op.f("uq_churn_surveys_win_back_id")),
        sa.UniqueConstraint("nonce", name=op.f("uq_churn_surveys_nonce")),
    )
    op.create_index(op.f("ix_churn_surveys_account_id"), "churn_surveys", ["account_id"])


def _win_back_days_in_range() -> None:
    """The win-back window now takes 30 to 90 days: stored lifecycle versions outside it are brought to the
    nearest bound, so reading them keeps working (an export shows the value used)."""
    versions = sa.table(
        "config_versions", sa.column("id", sa.Integer), sa.column("kind"), sa.column("body", _JSON)
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(versions.c.id, versions.c.body).where(versions.c.kind == "lifecycle")).all()
    for row_id, body in rows:
        churn = (body or {}).get("churn") or {}
        days = churn.get("win_back_days")
        if isinstance(days, int) and not 30 <= days <= 90:
            fixed = {**body, "churn": {**churn, "win_back_days": min(max(days, 30), 90)}}
            bind.execute(sa.update(versions).where(versions.c.id == row_id).values(body=fixed))


def upgrade() -> None:
    _win_backs()
    _churn_surveys()
    _win_back_days_in_range()


def downgrade() -> None:
    op.drop_table("churn_surveys")
    op.drop_table("win_backs")
