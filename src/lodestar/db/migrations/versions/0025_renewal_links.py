"""Renewal links: the contract renewing each contract by the successor rule, kept on the contracts for the
stage engine (which sits below the renewals package and cannot read the rule); a stored `sop` configuration
that still holds the old default `churned` stage playbook gets it removed in a new, audited version

Revision ID: 0025
Revises: 0020 (to be re-chained after 0024 on merge)
"""

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0025"
down_revision = "0022"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TS = sa.DateTime(timezone=True)
# The steps of the `churned` playbook the package shipped until win-back playbooks were chosen by churn
# reason: a stored playbook with this key, this trigger and these steps is that default, not the company's.
OLD_CHURNED_STEPS = ["churn_reasons", "churn_survey", "win_back_plan", "lead_pool"]
AUTHOR = "upgrade 0025"

_versions = sa.table(
    "config_versions",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("version", sa.Integer),
    sa.column("body", _JSON),
    sa.column("author", sa.String),
    sa.column("created_at", _TS),
    sa.column("active", sa.Boolean),
)
_audit = sa.table(
    "audit_log",
    sa.column("at", _TS),
    sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.Integer),
    sa.column("changes", _JSON),
)


def _is_old_churned(playbook: Any) -> bool:
    if not isinstance(playbook, dict) or playbook.get("key") != "churned":
        return False
    trigger = playbook.get("trigger") or {}
    steps = [s.get("key") for s in playbook.get("steps") or [] if isinstance(s, dict)]
    return (
        trigger.get("kind") == "stage_entered"
        and trigger.get("stage") == "churned"
        and (steps == OLD_CHURNED_STEPS)
    )


def _retire_old_churned_playbook() -> None:
    conn = op.get_bind()
    active = conn.execute(
        sa.select(_versions.c.id, _versions.c.version, _versions.c.body).where(
            _versions.c.kind == "sop", _versions.c.active.is_(True)
        )
    ).first()
    if active is None:
        return
    body = json.loads(active.body) if isinstance(active.body, str) else dict(active.body)
    playbooks = body.get("playbooks") or []
    kept = [p for p in playbooks if not _is_old_churned(p)]
    if len(kept) == len(playbooks):
        return
    newest = conn.execute(sa.select(sa.func.max(_versions.c.version)).where(_versions.c.kind == "sop"))
    number = int(newest.scalar_one() or 0) + 1
    now = datetime.now(UTC)
    conn.execute(sa.update(_versions).where(_versions.c.kind == "sop").values(active=False))
    conn.execute(
        sa.insert(_versions).values(
            kind="sop", version=number, body={**body, "playbooks": kept}, author=AUTHOR, created_at=now,
            active=True,
        )
    )  # fmt: skip
    conn.execute(
        sa.insert(_audit).values(
            at=now, actor_id=None, action="config.upgrade", entity="config_versions", entity_id=number,
            changes={"kind": "sop", "author": AUTHOR, "from_version": active.version,
                     "removed_playbooks": ["churned"],
                     "why": "the win-back playbook of the churn's reason is the one flow per churn"},
        )
    )  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("contracts") as batch:
        batch.add_column(sa.Column("renewed_by_id", sa.Integer(), nullable=True))
    _retire_old_churned_playbook()


def downgrade() -> None:
    # The removed playbook stays removed: its version history still holds it (activate an older version).
    with op.batch_alter_table("contracts") as batch:
        batch.drop_column("renewed_by_id")
