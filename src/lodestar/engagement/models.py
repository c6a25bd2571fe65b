"""Tables: support tickets, CSM touches, NPS/CSAT answers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.db.base import Base


class TouchKind(StrEnum):
    """How the CS team reached the customer (触达)."""

    CALL = "call"
    VISIT = "visit"  # 上门
    EMAIL = "email"
    MEETING = "meeting"
    TRAINING = "training"
    QBR = "qbr"


class Ticket(Base):
    """A support ticket (工单)."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_account_opened", "account_id", "opened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    subject: Mapped[str | None] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(16), default="normal")  # low, normal, high, critical
    opened_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    satisfaction: Mapped[int | None]  # 1-5


class Touch(Base):
    """A call, visit, e-mail, meeting, training or QBR with the customer."""

    __tablename__ = "touches"
    __table_args__ = (Index("ix_touches_account_at", "account_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime]
    duration_minutes: Mapped[int | None]
    subject: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True, index=True)
    # The SOP step the person did with this touch (a step key, e.g. "welcome_email"), when they named one.
    step: Mapped[str | None] = mapped_column(String(60))


class SurveyResponse(Base):
    """An NPS (0-10) or CSAT (1-5) answer."""

    __tablename__ = "survey_responses"
    __table_args__ = (Index("ix_survey_responses_account_at", "account_id", "answered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(8))  # nps, csat
    score: Mapped[int]
    answered_at: Mapped[datetime]
    comment: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True, index=True)
