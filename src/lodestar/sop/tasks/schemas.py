"""Tasks and playbook runs as the inbox, the API and the CLI read and act on them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lodestar.sop.playbooks.schemas import EvidenceKind

# Open tasks fall in exactly one of today / overdue / upcoming (the next 7 days) / later.
TaskBucket = Literal["today", "overdue", "upcoming", "later", "open", "done", "skipped", "expired", "all"]
# How the inbox orders tasks: soonest due, largest ARR, worst health, or most ARR at risk.
TaskSort = Literal["due", "arr", "health", "risk"]


class TaskRead(BaseModel):
    """A task as the inbox, the API and the account page show it."""

    id: int
    account_id: int
    account_name: str
    playbook_key: str
    playbook_name: str
    step_key: str
    title: str
    title_zh: str | None = None
    how_to: str | None = None
    how_to_zh: str | None = None
    required: bool
    evidence_kind: EvidenceKind
    evidence_rule: dict[str, Any] = Field(default_factory=dict)
    assignee_id: int | None = None
    assignee_name: str | None = None
    due_on: date
    status: Literal["open", "done", "skipped", "expired"]
    done_on: date | None = None
    expired_on: date | None = None  # the day the account left the task's stage
    on_time: bool | None = None  # None while open
    evidence: dict[str, Any] | None = None
    skip_reason: str | None = None
    stage: str | None = None
    triggered_on: date
    run_id: int
    touch_id: int | None = None
    completed_at: datetime | None = None  # when it was completed, skipped or expired
    completed_by: int | None = None  # who completed or skipped it (the audit log's actor)
    account_arr: float | None = None
    account_health_score: float | None = None
    account_health_grade: str | None = None


class EvidenceIn(BaseModel):
    """What a person gives to complete a task; which field counts depends on the step's evidence kind."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str | None = Field(default=None, max_length=10_000)
    checkbox: bool | None = None
    file_name: str | None = Field(default=None, max_length=200)
    file_bytes: bytes | None = Field(default=None, exclude=True)
    touch_id: int | None = None


class PlaybookStart(BaseModel):
    """A manual start of a playbook on an account."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    playbook_key: str = Field(min_length=1, max_length=60)
    on: date | None = None


class SkipIn(BaseModel):
    """Why a task is skipped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=2_000)


class ReassignIn(BaseModel):
    """Who a task goes to."""

    model_config = ConfigDict(extra="forbid")

    assignee_id: int


class RunRead(BaseModel):
    """A playbook run (one trigger occurrence)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    playbook_key: str
    playbook_version: int
    account_id: int
    trigger_kind: str
    trigger_ref: str
    triggered_on: date
    counts_from: date
    stage: str | None = None
    tier: str | None = None
