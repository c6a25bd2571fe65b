"""SOP playbooks: playbook runs (one per trigger occurrence) and their tasks

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "playbook_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("playbook_key", sa.String(length=60), nullable=False),
        sa.Column("playbook_version", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("trigger_kind", sa.String(length=16), nullable=False),
        sa.Column("trigger_ref", sa.String(length=120), nullable=False),
        sa.Column("triggered_on", sa.Date(), nullable=False),
        sa.Column("counts_from", sa.Date(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=True),
        sa.Column("tier", sa.String(length=32), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_playbook_runs_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_playbook_runs_owner_id_users")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_playbook_runs_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbook_runs")),
        sa.UniqueConstraint(
            "playbook_key", "account_id", "trigger_ref", name=op.f("uq_playbook_runs_playbook_key")
        ),
    )
    op.create_index(op.f("ix_playbook_runs_playbook_key"), "playbook_runs", ["playbook_key"])
    op.create_index(op.f("ix_playbook_runs_account_id"), "playbook_runs", ["account_id"])
    op.create_index(op.f("ix_playbook_runs_triggered_on"), "playbook_runs", ["triggered_on"])
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("playbook_key", sa.String(length=60), nullable=False),
        sa.Column("step_key", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=True),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("evidence_kind", sa.String(length=16), nullable=False),
        sa.Column("evidence_rule", _JSON, nullable=False),
        sa.Column("outcome_metric", sa.String(length=60), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("completed_at", _TS, nullable=True),
        sa.Column("completed_by", sa.Integer(), nullable=True),
        sa.Column("evidence", _JSON, nullable=True),
        sa.Column("touch_id", sa.Integer(), nullable=True),
        sa.Column("skip_reason", sa.Text(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["playbook_runs.id"], name=op.f("fk_tasks_run_id_playbook_runs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_tasks_assignee_id_users")),
        sa.ForeignKeyConstraint(["completed_by"], ["users.id"], name=op.f("fk_tasks_completed_by_users")),
        sa.ForeignKeyConstraint(
            ["touch_id"], ["touches.id"], name=op.f("fk_tasks_touch_id_touches"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("run_id", "step_key", name=op.f("uq_tasks_run_id")),
    )
    op.create_index("ix_tasks_assignee_status_due", "tasks", ["assignee_id", "status", "due_on"])
    op.create_index("ix_tasks_account_status", "tasks", ["account_id", "status"])
    op.create_index(op.f("ix_tasks_playbook_key"), "tasks", ["playbook_key"])
    op.create_index(op.f("ix_tasks_due_on"), "tasks", ["due_on"])
    op.create_index(op.f("ix_tasks_status"), "tasks", ["status"])


def downgrade() -> None:
    op.drop_table("tasks")
    op.drop_table("playbook_runs")
