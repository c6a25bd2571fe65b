"""Table: every version of every kind of configuration, one of them active per kind."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.db.base import Base, JSONType
from lodestar.kit.time import utcnow


class ConfigVersion(Base):
    """A version of one kind of configuration (health, lifecycle, tiers, metrics) as JSON."""

    __tablename__ = "config_versions"
    __table_args__ = (UniqueConstraint("kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int]
    body: Mapped[dict[str, Any]] = mapped_column(JSONType)
    author: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(default=False)
