"""Playbooks as validated configuration (kind `sop`): triggers, goals, ordered steps and their evidence."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from lodestar.kit.counts import Count

TriggerKind = Literal["stage_entered", "alert", "manual"]
EvidenceKind = Literal["note", "file", "checkbox", "touch", "metric"]
TouchKindName = Literal["call", "visit", "email", "meeting", "training", "qbr"]
OwnerRole = Literal["owner", "manager"]
Assignment = Literal["least_load", "round_robin"]
SLUG = r"^[a-z][a-z0-9_]{0,59}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Trigger(_Strict):
    """What starts a playbook: an account entering a stage, an alert of a type, or a person (manual)."""

    kind: TriggerKind
    stage: str | None = None
    alert: str | None = None
    # Also fire when an account passes over the stage in one move (e.g. it goes live during handover and
    # moves straight to growth: it still owes its onboarding kickoff and training).
    also_when_passed_over: bool = False

    @model_validator(mode="after")
    def _target_matches_kind(self) -> Self:
        if self.also_when_passed_over and self.kind != "stage_entered":
            raise ValueError("also_when_passed_over is only for stage_entered triggers")
        if self.kind == "stage_entered" and not self.stage:
            raise ValueError("a stage_entered trigger needs a stage")
        if self.kind == "alert" and not self.alert:
            raise ValueError("an alert trigger needs an alert type")
        if self.kind != "stage_entered" and self.stage:
            raise ValueError(f"stage is only for stage_entered triggers, not {self.kind}")
        if self.kind != "alert" and self.alert:
            raise ValueError(f"alert is only for alert triggers, not {self.kind}")
        return self


class Evidence(_Strict):
    """What proves a step done: a note, a file, a checkbox, a matching touch, or a metric reaching a value."""

    kind: EvidenceKind = "checkbox"
    touch_kinds: list[TouchKindName] = Field(default_factory=list)
    subject_contains: str | None = None  # the touch's subject must contain this text (case-insensitive)
    metric: str | None = None
    at_least: float | None = None
    at_most: float | None = None

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Self:
        touchy = bool(self.touch_kinds) or self.subject_contains is not None
        metricky = self.metric is not None or self.at_least is not None or self.at_most is not None
        if self.kind == "touch" and not self.touch_kinds:
            raise ValueError("touch evidence needs touch_kinds")
        if self.kind == "metric" and (
            self.metric is None or (self.at_least is None) == (self.at_most is None)
        ):
            raise ValueError("metric evidence needs a metric and exactly one of at_least / at_most")
        if self.kind != "touch" and touchy:
            raise ValueError(f"touch_kinds / subject_contains are for touch evidence, not {self.kind}")
        if self.kind != "metric" and metricky:
            raise ValueError(f"metric / at_least / at_most are for metric evidence, not {self.kind}")
        return self


class Outcome(_Strict):
    """The metric a step (or playbook) is meant to move, read `after_days` after the trigger."""

    metric: str
    after_days: int = Field(default=60, gt=0, le=730)
    higher_is_better: bool = True


class Step(_Strict):
    """One step of a playbook; it becomes a task when the playbook is triggered."""

    key: str = Field(pattern=SLUG)
    title: str = Field(min_length=1, max_length=200)
    title_zh: str | None = Field(default=None, max_length=200)
    how_to: str | None = None  # how-to / call script (话术)
    how_to_zh: str | None = None
    due_days: int = Field(le=730)  # due this many days after the trigger
    owner_role: OwnerRole = "owner"
    required: bool = True
    evidence: Evidence = Field(default_factory=Evidence)
    # Work done up to this many days before the trigger still counts (a weekly run notices an entry late).
    counts_from_days: int = Field(default=0, ge=-90, le=0)
    after: list[str] = Field(default_factory=list)  # keys of the steps this one follows
    outcome: Outcome | None = None

    @field_validator("due_days")
    @classmethod
    def _not_before_trigger(cls, value: int) -> int:
        if value < 0:
            raise ValueError(f"is due {-value} day(s) before its trigger; due_days must be >= 0")
        return value


class Playbook(_Strict):
    """A stage's (or an alert's) goal, key paths and ordered steps."""

    key: str = Field(pattern=SLUG)
    name: str = Field(min_length=1, max_length=120)
    name_zh: str | None = None
    enabled: bool = True
    trigger: Trigger
    goal: str | None = None
    goal_zh: str | None = None
    key_paths: list[str] = Field(default_factory=list)
    key_paths_zh: list[str] = Field(default_factory=list)
    outcome: Outcome | None = None  # the playbook's own outcome (steps may name theirs)
    steps: list[Step] = Field(min_length=1)


class SopConfig(_Strict):
    """Every playbook, and how tasks of unowned accounts are assigned."""

    assignment: Assignment = "least_load"
    playbooks: list[Playbook] = Field(default_factory=list)


# --- Tasks and touches (the service's inputs and outputs) ---------------------------------------------

TaskBucket = Literal["today", "overdue", "upcoming", "open", "done", "skipped", "all"]


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
    status: Literal["open", "done", "skipped"]
    done_on: date | None = None
    on_time: bool | None = None  # None while open
    evidence: dict[str, Any] | None = None
    skip_reason: str | None = None
    stage: str | None = None
    triggered_on: date
    run_id: int
    touch_id: int | None = None
    completed_at: datetime | None = None  # when it was completed or skipped


class EvidenceIn(BaseModel):
    """What a person gives to complete a task; which field counts depends on the step's evidence kind."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str | None = Field(default=None, max_length=10_000)
    checkbox: bool | None = None
    file_name: str | None = Field(default=None, max_length=200)
    file_bytes: bytes | None = Field(default=None, exclude=True)
    touch_id: int | None = None


class TouchIn(BaseModel):
    """A call, visit, e-mail, meeting, training or QBR logged by a person."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: TouchKindName
    occurred_at: AwareDatetime
    subject: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=10_000)
    duration_minutes: Count | None = Field(default=None, ge=0, le=24 * 60)


class TouchRead(BaseModel):
    """A stored touch, with the tasks it completed."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int
    user_id: int | None = None
    kind: str
    occurred_at: datetime
    subject: str | None = None
    notes: str | None = None
    duration_minutes: int | None = None
    completed_task_ids: list[int] = Field(default_factory=list)


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
