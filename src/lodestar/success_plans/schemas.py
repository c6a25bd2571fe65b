"""Success plans in and out (a milestone's fields, the plan as the API answers it), and the templates as
validated configuration (kind `success_plans`)."""

from __future__ import annotations

from datetime import date
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lodestar.kit.text import N_, Text

Kind = Literal["module_go_live", "department_rollout", "people_trained", "usage_target", "business_result"]
Status = Literal["planned", "in_progress", "reached", "missed", "dropped"]
Side = Literal["ours", "theirs"]
KEY = r"^[a-z][a-z0-9_]{0,59}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _metric_and_target(metric: str | None, target: float | None) -> None:
    """A target value needs the metric it is read from, and a metric needs its target."""
    if target is not None and metric is None:
        raise ValueError(Text(N_("a target value needs a metric")))
    if metric is not None and target is None:
        raise ValueError(Text(N_("a metric needs a target value")))


class MilestoneFields(_Strict):
    """What a person (or a file) gives for a milestone."""

    kind: Kind
    title: str = Field(min_length=1, max_length=200)
    owner_side: Side = "ours"
    owner_person: str | None = Field(None, max_length=120)
    target_on: date
    status: Status = "planned"
    reached_on: date | None = None
    metric: str | None = Field(None, min_length=1, max_length=80)
    target_value: float | None = Field(None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _metric_and_target(self.metric, self.target_value)
        if self.status == "reached" and self.reached_on is None:
            raise ValueError(Text(N_("a reached milestone needs its reached date")))
        if self.status != "reached" and self.reached_on is not None:
            raise ValueError(Text(N_("only a reached milestone has a reached date")))
        return self


class MilestoneCreate(MilestoneFields):
    """A new milestone (the account comes from the path, or from the file's account column)."""

    external_id: str | None = Field(None, max_length=80)


class MilestoneUpdate(MilestoneFields):
    """A milestone's fields, all given (the form sends the whole milestone)."""


class MilestoneRead(BaseModel):
    """A milestone as the API answers it; `on_time` is None until it is reached or due."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int
    external_id: str | None
    kind: Kind
    title: str
    owner_side: Side
    owner_person: str | None
    target_on: date
    status: Status
    reached_on: date | None
    metric: str | None
    target_value: float | None
    template_key: str | None


class Attainment(BaseModel):
    """Milestones due by a date and how many of them were reached on time (ratio None: none due)."""

    as_of: date
    due: int
    reached_on_time: int
    reached_late: int
    ratio: float | None


class PlanMilestone(MilestoneFields):
    """A milestone of the plan as the form sends it: with the id of one that exists, without for a new one."""

    id: int | None = None


class SuccessPlanUpdate(_Strict):
    """The plan's objectives and, when given, its whole list of milestones (ids keep existing ones;
    milestones left out are kept as they are: a plan's history is never deleted, only dropped)."""

    objectives: str | None = Field(None, max_length=10_000)
    milestones: list[PlanMilestone] | None = None


class SuccessPlanRead(BaseModel):
    """An account's plan: the portrait's expectations, the objectives, the milestones, the attainment."""

    account_id: int
    expectations: str | None
    objectives: str | None
    milestones: list[MilestoneRead]
    attainment: Attainment


class TemplateMilestone(_Strict):
    """One milestone a template creates, due `due_days` after the stage entry."""

    kind: Kind
    title: str = Field(min_length=1, max_length=200)
    title_zh: str = Field(min_length=1, max_length=200)
    owner_side: Side = "ours"
    due_days: int = Field(ge=0, le=730)
    metric: str | None = Field(None, min_length=1, max_length=80)
    target_value: float | None = Field(None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _metric_and_target(self.metric, self.target_value)
        return self


class Template(_Strict):
    """The usual milestones of accounts of these tiers (and plans) entering a stage; empty lists: any."""

    key: str = Field(pattern=KEY)
    name: str = Field(min_length=1, max_length=80)
    name_zh: str = Field(min_length=1, max_length=80)
    stage: str = Field(min_length=1, max_length=32)
    tiers: list[str] = Field(default_factory=list)
    plans: list[str] = Field(default_factory=list)
    milestones: list[TemplateMilestone] = Field(min_length=1)

    def fits(self, stage: str, tier: str | None, plan: str | None) -> bool:
        """Whether an account of this tier and plan entering this stage gets the template."""
        return (
            self.stage == stage
            and (not self.tiers or tier in self.tiers)
            and (not self.plans or plan in self.plans)
        )


class SuccessPlanSettings(_Strict):
    """The configuration kind `success_plans`: milestone templates applied on stage entries."""

    templates: list[Template] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_keys(self) -> Self:
        keys = [t.key for t in self.templates]
        if len(keys) != len(set(keys)):
            raise ValueError(Text(N_("template keys must be unique")))
        return self
