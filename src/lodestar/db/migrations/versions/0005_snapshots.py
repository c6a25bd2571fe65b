"""daily snapshots: run records, job locks, health history, stage transitions, backtests, account health

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_ACCOUNT_INDEXED = ("health_score", "health_grade", "stage", "in_renewal_window")


def upgrade() -> None:
    op.create_table(
        "job_locks",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=80), nullable=True),
        sa.Column("claimed_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_locks")),
    )
    op.create_table(
        "snapshot_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("first_as_of", sa.Date(), nullable=False),
        sa.Column("dates", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("transitions", sa.Integer(), nullable=False),
        sa.Column("versions", _JSON, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshot_runs")),
    )
    op.create_index(op.f("ix_snapshot_runs_as_of"), "snapshot_runs", ["as_of"])
    op.create_index(op.f("ix_snapshot_runs_status"), "snapshot_runs", ["status"])
    op.create_table(
        "health_history",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("grade", sa.String(length=8), nullable=True),
        sa.Column("coverage", sa.Double(), nullable=False),
        sa.Column("model", sa.String(length=60), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_health_history_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "as_of", name=op.f("pk_health_history")),
    )
    op.create_index(op.f("ix_health_history_as_of"), "health_history", ["as_of"])
    op.create_table(
        "stage_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("from_stage", sa.String(length=32), nullable=True),
        sa.Column("to_stage", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_stage_transitions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_transitions")),
    )
    op.create_index("ix_stage_transitions_account_on", "stage_transitions", ["account_id", "on"])
    op.create_index(op.f("ix_stage_transitions_on"), "stage_transitions", ["on"])
    op.create_table(
        "backtests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("churned", sa.Integer(), nullable=False),
        *[
            sa.Column(c, sa.Double(), nullable=True)
            for c in ("auc", "auc_low", "auc_high", "lift", "lift_low", "lift_high")
        ],
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backtests")),
    )
    op.create_index(op.f("ix_backtests_as_of"), "backtests", ["as_of"])
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("health_score", sa.Double(), nullable=True))
        batch.add_column(sa.Column("health_grade", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("health_trend_7d", sa.Double(), nullable=True))
        batch.add_column(sa.Column("health_trend_30d", sa.Double(), nullable=True))
        batch.add_column(sa.Column("stage", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("stage_since", sa.Date(), nullable=True))
        batch.add_column(sa.Column("snapshot_as_of", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("in_renewal_window", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        for column in _ACCOUNT_INDEXED:
            batch.create_index(batch.f(f"ix_accounts_{column}"), [column])


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        for column in _ACCOUNT_INDEXED:
            batch.drop_index(batch.f(f"ix_accounts_{column}"))
        for column in (
            "in_renewal_window",
            "snapshot_as_of",
            "stage_since",
            "stage",
            "health_trend_30d",
            "health_trend_7d",
            "health_grade",
            "health_score",
        ):
            batch.drop_column(column)
    op.drop_table("backtests")
    op.drop_table("stage_transitions")
    op.drop_table("health_history")
    op.drop_table("snapshot_runs")
    op.drop_table("job_locks")
