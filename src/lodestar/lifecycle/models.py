"""Tables: the stage history, one row per change of an account's lifecycle stage."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.db.base import Base
from lodestar.lifecycle.reason_text import reason_text


class StageTransition(Base):
    """A change of lifecycle stage on a snapshot date, and why."""

    __tablename__ = "stage_transitions"
    __table_args__ = (Index("ix_stage_transitions_account_on", "account_id", "on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    on: Mapped[date] = mapped_column(index=True)
    from_stage: Mapped[str | None] = mapped_column(String(32))
    to_stage: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(200))

    @property
    def reason_text(self) -> str:
        """The reason as a sentence the page translates."""
        return reason_text(self.reason)
