"""Tables: an account's report of a period (draft, then published with its figures frozen), its share links
and each link's uses (page views and PDF downloads)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.db.base import Base, JSONType
from lodestar.kit.time import utcnow


class ValueReport(Base):
    """One account's report of one period: the CSM's narrative, and once published the figures as shown."""

    __tablename__ = "value_reports"
    __table_args__ = (UniqueConstraint("account_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(8))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft, published
    highlights: Mapped[str | None] = mapped_column(Text)
    next_plan: Mapped[str | None] = mapped_column(Text)
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    pdf_path: Mapped[str | None] = mapped_column(String(400))
    published_at: Mapped[datetime | None]
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShareLink(Base):
    """A view-only link to a published report: its nonce (the signed token is never stored), expiry and
    revocation."""

    __tablename__ = "value_report_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("value_reports.id", ondelete="CASCADE"), index=True)
    nonce: Mapped[str] = mapped_column(String(64))
    expires_on: Mapped[date]
    revoked_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShareView(Base):
    """One use of a share link: the page opened (view) or its PDF downloaded (download); when, and the
    browser's description, cut short."""

    __tablename__ = "value_report_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("value_report_links.id", ondelete="CASCADE"), index=True)
    viewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_agent: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8), default="view", server_default="view")  # view, download
