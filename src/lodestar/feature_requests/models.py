"""Tables: a feature request, the accounts that asked for it, each change of its status, and what the links
add up to."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.db.base import Base
from lodestar.kit.time import utcnow


class RequestStatus(StrEnum):
    """Where a request stands, as the customer is told."""

    NEW = "new"
    UNDER_REVIEW = "under_review"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    SHIPPED = "shipped"
    DECLINED = "declined"


class FeatureRequest(Base):
    """One request, recorded once; a merged duplicate points to the request that survived."""

    __tablename__ = "feature_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True)  # the tracker's key
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.NEW.value, index=True)
    public_note: Mapped[str | None] = mapped_column(Text)  # what the customer may read about the status
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("feature_requests.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RequestLink(Base):
    """An account that asked for a request (and the contact who asked, when known)."""

    __tablename__ = "feature_request_links"
    __table_args__ = (
        UniqueConstraint("request_id", "account_id"),
        Index("ix_feature_request_links_account_request", "account_id", "request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("feature_requests.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    asked_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StatusChange(Base):
    """One change of a request's status (the history the customer's answers come from)."""

    __tablename__ = "feature_request_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("feature_requests.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    public_note: Mapped[str | None] = mapped_column(Text)
    changed_on: Mapped[date]
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(12))  # person, webhook, import
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RequestTotal(Base):
    """What one request's links add up to in one currency: the accounts, their ARR and the ARR of those in
    their renewal window, in cents; the company-wide list sorts by these. Written only by the database's
    triggers on links and accounts (migration 0028), in the transaction of each write, so they are never
    behind the links they sum."""

    __tablename__ = "feature_request_totals"
    __table_args__ = ({"sqlite_with_rowid": False},)  # kept in key order: a request's rows together

    request_id: Mapped[int] = mapped_column(
        ForeignKey("feature_requests.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    accounts: Mapped[int]
    arr_cents: Mapped[int] = mapped_column(BigInteger)
    renewing_cents: Mapped[int] = mapped_column(BigInteger)  # ARR of the accounts in their renewal window


class RequestTierStageTotal(Base):
    """The same per tier and stage ("" for none) too: the company-wide list's tier mix, and its ARR of the
    at-risk stages (whichever the lifecycle model says today). Kept by the same triggers."""

    __tablename__ = "feature_request_tier_stage_totals"
    __table_args__ = (
        Index("ix_feature_request_tier_stage_totals_stage", "stage", "request_id"),
        {"sqlite_with_rowid": False},  # kept in key order: a request's rows together
    )

    request_id: Mapped[int] = mapped_column(
        ForeignKey("feature_requests.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    tier: Mapped[str] = mapped_column(String(32), primary_key=True)
    stage: Mapped[str] = mapped_column(String(32), primary_key=True)
    accounts: Mapped[int]
    arr_cents: Mapped[int] = mapped_column(BigInteger)
    renewing_cents: Mapped[int] = mapped_column(BigInteger)


class RequestOwnerTotal(Base):
    """The same per owner (0 for none), tier and stage: a CSM's or a manager's list reads only their owners'
    rows. Kept by the same triggers."""

    __tablename__ = "feature_request_owner_totals"
    __table_args__ = ({"sqlite_with_rowid": False},)  # kept in key order: an owner's rows together

    owner_id: Mapped[int] = mapped_column(primary_key=True)  # no foreign key: 0 stands for no owner
    request_id: Mapped[int] = mapped_column(
        ForeignKey("feature_requests.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    tier: Mapped[str] = mapped_column(String(32), primary_key=True)
    stage: Mapped[str] = mapped_column(String(32), primary_key=True)
    accounts: Mapped[int]
    arr_cents: Mapped[int] = mapped_column(BigInteger)
    renewing_cents: Mapped[int] = mapped_column(BigInteger)
