"""Tables: alerts (one per rule, account and episode) and the signals every run keeps for the backtest."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.db.base import Base, JSONType
from lodestar.kit.time import utcnow


class AlertState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


LIVE_STATES = (AlertState.OPEN.value, AlertState.ACKNOWLEDGED.value, AlertState.SNOOZED.value)
_LIVE = text("state <> 'resolved'")


class Alert(Base):
    """One alert: a rule's condition found true for an account; never two live ones per rule and account."""

    __tablename__ = "alerts"
    __table_args__ = (
        # The database itself refuses a duplicate: at most one unresolved alert per rule and account.
        Index(
            "uq_alerts_live_rule_account",
            "rule_key",
            "account_id",
            unique=True,
            sqlite_where=_LIVE,
            postgresql_where=_LIVE,
        ),
        Index("ix_alerts_account_state", "account_id", "state"),
        Index("ix_alerts_state_severity", "state", "severity"),
        Index("ix_alerts_rule_account_resolved", "rule_key", "account_id", "resolved_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_key: Mapped[str] = mapped_column(String(60))
    rules_version: Mapped[int]  # the `alerts` config version that raised it
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    severity: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=AlertState.OPEN.value)
    raised_on: Mapped[date] = mapped_column(index=True)  # the snapshot date that found it
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_on: Mapped[date]  # the last snapshot date its condition held
    # [{"msgid": "...%(x)s...", "values": {...}}]: sentences rendered in the reader's language.
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    snoozed_until: Mapped[date | None]
    resolved_on: Mapped[date | None]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # null: resolved by itself
    resolve_reason: Mapped[str | None] = mapped_column(Text)
    cooldown_until: Mapped[date | None]  # no new alert of the rule on the account before this day
    playbook_run_id: Mapped[int | None] = mapped_column(ForeignKey("playbook_runs.id", ondelete="SET NULL"))


class AlertSignalSet(Base):
    """The accounts for which a rule's condition held on a snapshot date (every evaluated date, past or
    present), under one rules version: one row per date, rule and version, the account ids packed
    (alerts/signal_sets.py) where a row per account made each daily run write 100,000 rows.

    The backtest reads these for the dates a run or backfill evaluated with the same rules version.
    """

    __tablename__ = "alert_signal_sets"
    __table_args__ = (UniqueConstraint("as_of", "rule_key", "rules_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date]
    rule_key: Mapped[str] = mapped_column(String(60))
    rules_version: Mapped[int]
    accounts: Mapped[int]  # how many account ids the set holds
    account_ids: Mapped[bytes] = mapped_column(LargeBinary)
