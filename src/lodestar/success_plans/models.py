"""Tables: an account's success plan, its milestones, and the template entries already applied."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.db.base import Base
from lodestar.kit.time import utcnow


class MilestoneKind(StrEnum):
    """What a milestone marks."""

    MODULE_GO_LIVE = "module_go_live"
    DEPARTMENT_ROLLOUT = "department_rollout"
    PEOPLE_TRAINED = "people_trained"
    USAGE_TARGET = "usage_target"
    BUSINESS_RESULT = "business_result"


class MilestoneStatus(StrEnum):
    """Where a milestone stands."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    REACHED = "reached"
    MISSED = "missed"
    DROPPED = "dropped"


class OwnerSide(StrEnum):
    """Who delivers a milestone: our team or the customer's."""

    OURS = "ours"
    THEIRS = "theirs"


class SuccessPlan(Base):
    """An account's success plan: the objectives agreed with the customer (expectations: the portrait)."""

    __tablename__ = "success_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), unique=True)
    objectives: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Milestone(Base):
    """One milestone of an account's plan; with a metric and target it is reached by the daily run."""

    __tablename__ = "milestones"
    __table_args__ = (Index("ix_milestones_account_target", "account_id", "target_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    owner_side: Mapped[str] = mapped_column(String(8), default=OwnerSide.OURS.value)
    owner_person: Mapped[str | None] = mapped_column(String(120))
    target_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default=MilestoneStatus.PLANNED.value, index=True)
    reached_on: Mapped[date | None]
    metric: Mapped[str | None] = mapped_column(String(80))
    target_value: Mapped[float | None]
    template_key: Mapped[str | None] = mapped_column(String(60))


class TemplateEntry(Base):
    """A template applied to an account on a stage entry: the same entry never applies it twice."""

    __tablename__ = "milestone_template_entries"
    __table_args__ = (UniqueConstraint("account_id", "template_key", "entered_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    template_key: Mapped[str] = mapped_column(String(60))
    entered_on: Mapped[date]
