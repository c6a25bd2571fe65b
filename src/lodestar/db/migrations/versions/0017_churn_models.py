"""Churn models (versioned: training window, horizon, features, metrics, file checksum, active or not and
why), churn scores (one likelihood and its top risk factors per account and date) and the latest
likelihood on the account for the portfolio

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "churn_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("calibration", sa.String(length=16), nullable=False),
        sa.Column("features", _JSON, nullable=False),
        sa.Column("metrics", _JSON, nullable=False),
        sa.Column("libraries", _JSON, nullable=False),
        sa.Column("model_auc", sa.Double(), nullable=True),
        sa.Column("health_auc", sa.Double(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("file", sa.String(length=200), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_churn_models")),
        sa.UniqueConstraint("version", name=op.f("uq_churn_models_version")),
    )
    op.create_table(
        "churn_scores",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("likelihood", sa.Double(), nullable=False),
        sa.Column("factors", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_churn_scores_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "as_of", name=op.f("pk_churn_scores")),
    )  # fmt: skip
    op.create_index(op.f("ix_churn_scores_as_of"), "churn_scores", ["as_of"])
    op.add_column("accounts", sa.Column("churn_likelihood", sa.Double(), nullable=True))
    op.create_index(op.f("ix_accounts_churn_likelihood"), "accounts", ["churn_likelihood"])


def downgrade() -> None:
    op.drop_index(op.f("ix_accounts_churn_likelihood"), table_name="accounts")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("churn_likelihood")
    op.drop_index(op.f("ix_churn_scores_as_of"), table_name="churn_scores")
    op.drop_table("churn_scores")
    op.drop_table("churn_models")
