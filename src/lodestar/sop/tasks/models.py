"""Tables: playbook runs (one per trigger occurrence) and the tasks they create."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.db.base import Base, JSONType
from lodestar.kit.time import utcnow


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    SKIPPED = "skipped"
    # Closed by the system: the account left the stage the task was made for (see expiry.py).
    EXPIRED = "expired"


class PlaybookRun(Base):
    """One occurrence of a playbook's trigger on an account; the unique key makes triggering idempotent."""

    __tablename__ = "playbook_runs"
    __table_args__ = (UniqueConstraint("playbook_key", "account_id", "trigger_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    playbook_key: Mapped[str] = mapped_column(String(60), index=True)
    playbook_version: Mapped[int]  # the `sop` config version the tasks were made from
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    trigger_kind: Mapped[str] = mapped_column(String(16))  # stage_entered, alert, manual
    # What occurred, e.g. "stage:onboarding:2026-01-05", "alert:<id>", "manual:<uuid>".
    trigger_ref: Mapped[str] = mapped_column(String(120))
    triggered_on: Mapped[date] = mapped_column(index=True)
    counts_from: Mapped[date]  # the earliest day whose work counts as evidence
    stage: Mapped[str | None] = mapped_column(String(32))  # the account's stage and tier at the trigger
    tier: Mapped[str | None] = mapped_column(String(32))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Task(Base):
    """A step of a playbook run to be done for an account by a person, with its due date and evidence."""

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("run_id", "step_key"),
        Index("ix_tasks_assignee_status_due", "assignee_id", "status", "due_on"),
        Index("ix_tasks_account_status", "account_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("playbook_runs.id", ondelete="CASCADE"))
    # The run's account, copied for the inbox queries; no foreign key of its own (the run's cascades, and
    # skipping a second check per row keeps making 500,000 tasks fast on PostgreSQL).
    account_id: Mapped[int]
    playbook_key: Mapped[str] = mapped_column(String(60), index=True)
    step_key: Mapped[str] = mapped_column(String(60))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    title_zh: Mapped[str | None] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(default=True)
    # The step's evidence rule and outcome as configured when the task was made (later edits don't reach it).
    evidence_kind: Mapped[str] = mapped_column(String(16))
    evidence_rule: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    outcome_metric: Mapped[str | None] = mapped_column(String(60))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(12), default=TaskStatus.OPEN.value, index=True)
    done_on: Mapped[date | None]  # the day the work was done (a touch's day, or the completion day)
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # what was given: note, file, value
    touch_id: Mapped[int | None] = mapped_column(ForeignKey("touches.id", ondelete="SET NULL"))
    skip_reason: Mapped[str | None] = mapped_column(Text)
    expired_on: Mapped[date | None]  # the day the account left the task's stage (status expired)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
