"""Playbooks as validated configuration (kind `sop`): triggers, goals, ordered steps and their evidence."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lodestar.engagement.schemas import TouchKindName
from lodestar.success_plans.schemas import Kind as MilestoneKindName

TriggerKind = Literal["stage_entered", "alert", "manual", "churn_reason", "feature_request"]
EvidenceKind = Literal["note", "file", "checkbox", "touch", "metric", "milestone", "referral", "value_report"]
OwnerRole = Literal["owner", "manager"]
Assignment = Literal["least_load", "round_robin"]
SLUG = r"^[a-z][a-z0-9_]{0,59}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Trigger(_Strict):
    """What starts a playbook: an account entering a stage, an alert of a type, a person (manual), or a
    win-back opening for a churn with this reason (same reason, same method; the win-back step fires it),
    or a feature request the account asked for changing status (feature_requests fires it)."""

    kind: TriggerKind
    stage: str | None = None
    alert: str | None = None
    reason: str | None = Field(default=None, pattern=SLUG)  # a churn-reason key of the renewals taxonomy
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
        if (self.kind == "churn_reason") != (self.reason is not None):
            raise ValueError("a churn_reason trigger needs a reason, and only it takes one")
        return self


Language = Literal["en", "zh_CN"]


class Evidence(_Strict):
    """What proves a step done: a note, a file, a checkbox, a matching touch, or a metric reaching a value.

    A touch matches when its kind is one of `touch_kinds` and either it names the step (the touch's `step`)
    or its subject contains one of the `keywords` of any language (case-insensitive; no keywords: any
    subject). The older `subject_contains: Text` is read as `keywords: {en: [Text]}`.
    """

    kind: EvidenceKind = "checkbox"
    touch_kinds: list[TouchKindName] = Field(default_factory=list)
    keywords: dict[Language, list[str]] = Field(default_factory=dict)
    metric: str | None = None
    at_least: float | None = None
    at_most: float | None = None
    # Milestone evidence: a milestone of this kind (any kind when left out) reached in the task's window.
    milestone_kind: MilestoneKindName | None = None
    # Value-report evidence: a report of the account (a year's or a quarter's when named) published in the
    # task's window, e.g. the annual report before a renewal.
    report_kind: Literal["quarter", "year"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _read_subject_contains(cls, data: Any) -> Any:
        """The form before per-language keywords: one English text the subject must contain."""
        if isinstance(data, dict) and "subject_contains" in data:
            data = dict(data)
            text = data.pop("subject_contains")
            if text is not None:
                if data.get("keywords"):
                    raise ValueError("give keywords or subject_contains (the older form), not both")
                data["keywords"] = {"en": [text]}
        return data

    @field_validator("keywords")
    @classmethod
    def _keywords_not_blank(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        cleaned = {lang: [w.strip() for w in words] for lang, words in value.items()}
        for lang, words in cleaned.items():
            if any(not w for w in words):
                raise ValueError(f"keywords.{lang} holds an empty keyword")
        return {lang: words for lang, words in cleaned.items() if words}

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Self:
        touchy = bool(self.touch_kinds) or bool(self.keywords)
        metricky = self.metric is not None or self.at_least is not None or self.at_most is not None
        if self.kind == "touch" and not self.touch_kinds:
            raise ValueError("touch evidence needs touch_kinds")
        if self.kind == "metric" and (
            self.metric is None or (self.at_least is None) == (self.at_most is None)
        ):
            raise ValueError("metric evidence needs a metric and exactly one of at_least / at_most")
        if self.kind != "touch" and touchy:
            raise ValueError(f"touch_kinds / keywords are for touch evidence, not {self.kind}")
        if self.kind != "metric" and metricky:
            raise ValueError(f"metric / at_least / at_most are for metric evidence, not {self.kind}")
        if self.kind != "milestone" and self.milestone_kind is not None:
            raise ValueError(f"milestone_kind is for milestone evidence, not {self.kind}")
        if self.kind != "value_report" and self.report_kind is not None:
            raise ValueError(f"report_kind is for value_report evidence, not {self.kind}")
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
