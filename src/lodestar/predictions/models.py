"""Tables: the versioned churn models and each account's churn likelihood per date."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.db.base import Base, JSONType
from lodestar.kit.time import utcnow


class ChurnModel(Base):
    """One trained churn model: what it was trained on, how it did, and whether it is the one in use."""

    __tablename__ = "churn_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    as_of: Mapped[date]  # the cut-off: nothing stored after it was read
    horizon_days: Mapped[int]
    first_date: Mapped[date]  # the training window: the snapshot dates read
    last_date: Mapped[date]
    kind: Mapped[str] = mapped_column(String(16))  # lightgbm | logistic
    calibration: Mapped[str] = mapped_column(String(16))
    features: Mapped[list[Any]] = mapped_column(JSONType)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType)
    libraries: Mapped[dict[str, Any]] = mapped_column(JSONType)
    model_auc: Mapped[float | None]
    health_auc: Mapped[float | None]  # the health score's AUC on the same accounts and dates
    active: Mapped[bool]
    reason: Mapped[str] = mapped_column(String(200))  # a catalogue msgid: shown in the reader's language
    file: Mapped[str] = mapped_column(String(200))  # under the data directory; never the model itself here
    checksum: Mapped[str] = mapped_column(String(64))  # sha256 of the file
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChurnScore(Base):
    """An account's churn likelihood on a date and the factors that pushed it most."""

    __tablename__ = "churn_scores"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    as_of: Mapped[date] = mapped_column(primary_key=True, index=True)
    model_version: Mapped[int]
    likelihood: Mapped[float]
    factors: Mapped[list[Any]] = mapped_column(JSONType)  # [{feature, value, percentile, points}]
