"""Tables: renewals (one per contract, opened with its renewal window) and the history of their forecasts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.db.base import Base, JSONType, Timestamped
from lodestar.kit.time import utcnow

DERIVED = "contracts"  # the outcome was read from the contract chain by the daily step
BY_HAND = "hand"  # someone closed the renewal with an outcome
_OPEN = text("outcome IS NULL")


class Renewal(Timestamped, Base):
    """The renewal of one contract: what is at stake, the forecast, the proposal and how it ended."""

    __tablename__ = "renewals"
    __table_args__ = (
        # The pipeline (open renewals by contract end) and the forecast-vs-actual (closed ones by end)
        # are read from this index alone: it covers every column their sums group and filter by.
        Index(
            "ix_renewals_outcome_end", "outcome", "contract_end", "forecast", "currency", "arr", "account_id"
        ),
        # A portfolio's open renewals (the cockpit's forecast card) are found account by account from here.
        Index(
            "ix_renewals_account_outcome",
            "account_id",
            "outcome",
            "contract_end",
            "forecast",
            "currency",
            "arr",
        ),
        # The list of open renewals, soonest end first, is this index's order: a page of 25 reads 25
        # entries (PostgreSQL would otherwise sort every open renewal for the id that breaks ties).
        Index("ix_renewals_open_end", "contract_end", "id", sqlite_where=_OPEN, postgresql_where=_OPEN),
        # The newest change as a seek: the pipeline's cache (lodestar.db.generation).
        Index("ix_renewals_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Exactly one renewal per contract: the database refuses a second one.
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_on: Mapped[date]  # the day the contract's renewal window opened
    contract_end: Mapped[date]
    arr: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # ARR at stake, in the contract's currency
    currency: Mapped[str] = mapped_column(String(3))
    forecast: Mapped[str | None] = mapped_column(String(16))
    likelihood: Mapped[float | None]  # from the renewal prediction model; none until a model exists
    next_step: Mapped[str | None] = mapped_column(Text)
    proposal_edition: Mapped[str | None] = mapped_column(String(40))
    proposal_seats: Mapped[int | None]
    proposal_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    proposal_discount: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # percent, 0 to 100
    proposal_notes: Mapped[str | None] = mapped_column(Text)
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)  # [{name, url}]
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_source: Mapped[str | None] = mapped_column(String(12))  # DERIVED or BY_HAND
    renewing_contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id", ondelete="SET NULL"))
    # The ARR change, in `change_currency` (the company currency on the contract end's rate).
    change_currency: Mapped[str | None] = mapped_column(String(3))
    renewal_arr: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    expansion_arr: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    contraction_arr: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    churn_arr: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)  # keys of the `renewals` taxonomy
    note: Mapped[str | None] = mapped_column(Text)
    closed_on: Mapped[date | None]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ForecastChange(Base):
    """One change of a renewal's forecast category: from what, to what, by whom and when."""

    __tablename__ = "renewal_forecast_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    renewal_id: Mapped[int] = mapped_column(ForeignKey("renewals.id", ondelete="CASCADE"), index=True)
    from_category: Mapped[str | None] = mapped_column(String(16))
    to_category: Mapped[str] = mapped_column(String(16))
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
