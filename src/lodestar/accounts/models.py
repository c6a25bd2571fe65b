"""Tables: accounts and contacts (stakeholders)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.db.base import Base, JSONType, Timestamped


class ContactRole(StrEnum):
    """A stakeholder's role in the buying and using of the product (干系人)."""

    DECISION_MAKER = "decision_maker"  # 决策人
    SYSTEM_OWNER = "system_owner"  # 系统对接人
    CHAMPION = "champion"
    USER = "user"  # 用户


class Level(StrEnum):
    """Low / medium / high, for IT maturity (信息化程度) and IT ability."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Account(Timestamped, Base):
    """A customer company (客户) with its profile and portrait (客户画像)."""

    __tablename__ = "accounts"
    __table_args__ = (
        # Covers the cockpit's and the portfolio's summary groups, so a team's or the company's figures
        # read this narrow index instead of every wide account row.
        Index("ix_accounts_owner_summary", "owner_id", "currency", "health_grade", "stage", "status", "arr"),
        # The week's biggest movers walk the trend from either end and stop at the first rows in scope.
        Index("ix_accounts_health_trend_7d", "health_trend_7d"),
        # A CSM's or a team's movers start from the owner, whatever the planner believes of its size.
        Index("ix_accounts_owner_trend", "owner_id", "health_trend_7d"),
        Index("ix_accounts_intent_stars", "intent_stars"),
        # The newest change as a seek: caches of figures over the accounts (lodestar.db.generation).
        Index("ix_accounts_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    industry: Mapped[str | None] = mapped_column(String(80), index=True)
    employees: Mapped[int | None]
    region: Mapped[str | None] = mapped_column(String(80))
    funding_stage: Mapped[str | None] = mapped_column(String(40))
    it_maturity: Mapped[str | None] = mapped_column(String(8))
    plan: Mapped[str | None] = mapped_column(String(40), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    tier: Mapped[str | None] = mapped_column(String(32), index=True)
    tier_pinned: Mapped[bool] = mapped_column(default=False)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    traits: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    crm_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    segment_group_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    # Denormalised from contracts so the portfolio can sort and filter without a join.
    arr: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"), index=True)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    renewal_date: Mapped[date | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    # Portrait (客户画像).
    business_model: Mapped[str | None] = mapped_column(Text)
    departments: Mapped[list[str]] = mapped_column(JSONType, default=list)
    scenarios: Mapped[list[str]] = mapped_column(JSONType, default=list)
    purchase_intent: Mapped[str | None] = mapped_column(Text)  # 购买初衷
    expectations: Mapped[str | None] = mapped_column(Text)  # 预期管理
    # Denormalised from the latest daily snapshot so the portfolio can filter and sort by them.
    health_score: Mapped[float | None] = mapped_column(index=True)
    health_grade: Mapped[str | None] = mapped_column(String(8), index=True)
    health_trend_7d: Mapped[float | None]
    intent_stars: Mapped[int | None] = mapped_column(SmallInteger)  # purchase-intent stars 1-3 (采购意向星级)
    intent_score: Mapped[float | None]
    intent_scored_on: Mapped[date | None]
    health_trend_30d: Mapped[float | None]
    stage: Mapped[str | None] = mapped_column(String(32), index=True)
    stage_since: Mapped[date | None]
    in_renewal_window: Mapped[bool] = mapped_column(default=False, index=True)
    # The active churn model's latest likelihood (predictions), none until a model has scored the account.
    churn_likelihood: Mapped[float | None] = mapped_column(index=True)


class Contact(Timestamped, Base):
    """A stakeholder at an account (干系人)."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str | None] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20), default=ContactRole.USER.value)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    it_ability: Mapped[str | None] = mapped_column(String(8))
    kpi_note: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    left_on: Mapped[date | None]
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True, index=True)
