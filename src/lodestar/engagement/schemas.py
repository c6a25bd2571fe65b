"""Pydantic models for tickets, touches and survey answers: imports, and touches logged by a person."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from lodestar.engagement.models import TouchKind
from lodestar.kit.counts import Count
from lodestar.kit.text import N_, Text
from lodestar.kit.time import utcnow

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)

Severity = Literal["low", "normal", "high", "critical"]
SurveyKind = Literal["nps", "csat"]
CLOCK_SKEW = timedelta(minutes=5)
TouchKindName = Literal["call", "visit", "email", "meeting", "training", "qbr"]
# A step key as playbooks name their steps (a-z, 0-9, _).
StepKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,59}$")]


class TicketCreate(BaseModel):
    """A support ticket to import."""

    model_config = _STRICT

    account_id: int
    external_id: str | None = Field(None, min_length=1, max_length=80)
    subject: str | None = Field(None, max_length=200)
    severity: Severity = "normal"
    opened_at: AwareDatetime
    first_response_at: AwareDatetime | None = None
    resolved_at: AwareDatetime | None = None
    satisfaction: int | None = Field(None, ge=1, le=5)

    @model_validator(mode="after")
    def _times_in_order(self) -> TicketCreate:
        if self.first_response_at is not None and self.first_response_at < self.opened_at:
            raise ValueError("first_response_at must not be before opened_at")
        if self.resolved_at is not None and self.resolved_at < self.opened_at:
            raise ValueError("resolved_at must not be before opened_at")
        return self


def not_in_future(value: datetime) -> datetime:
    """Refuses an instant after now: a touch records what happened (a few minutes of clock skew allowed)."""
    if value > utcnow() + CLOCK_SKEW:
        raise ValueError(Text(N_("must not be in the future")))
    return value


class TouchCreate(BaseModel):
    """A call, visit, e-mail, meeting, training or QBR to import."""

    model_config = _STRICT
    occurred_in_past = field_validator("occurred_at")(not_in_future)

    account_id: int
    user_id: int | None = None
    kind: TouchKind
    occurred_at: AwareDatetime
    duration_minutes: Count | None = Field(None, ge=0, le=24 * 60)
    subject: str | None = Field(None, max_length=200)
    notes: str | None = None
    step: StepKey | None = None


class SurveyResponseCreate(BaseModel):
    """An NPS (0-10) or CSAT (1-5) answer to import."""

    model_config = _STRICT

    account_id: int
    contact_id: int | None = None
    kind: SurveyKind
    score: int
    answered_at: AwareDatetime
    comment: str | None = None

    @model_validator(mode="after")
    def _score_in_range(self) -> SurveyResponseCreate:
        low, high = (0, 10) if self.kind == "nps" else (1, 5)
        if not low <= self.score <= high:
            raise ValueError(f"score must be between {low} and {high} for {self.kind}")
        return self


class TouchIn(BaseModel):
    """A call, visit, e-mail, meeting, training or QBR logged by a person."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    occurred_in_past = field_validator("occurred_at")(not_in_future)

    kind: TouchKindName
    occurred_at: AwareDatetime
    subject: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=10_000)
    duration_minutes: Count | None = Field(default=None, ge=0, le=24 * 60)
    # The SOP step this touch does (a step key such as "welcome_email"): it completes that step's open task
    # whatever the subject says, and no other step's.
    step: StepKey | None = None


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
    step: str | None = None
    completed_task_ids: list[int] = Field(default_factory=list)
