"""The purchase-intent stars kept on accounts (written by the intent domain's daily step)."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.accounts import repository
from lodestar.accounts.models import Account


def set_intent_stars(session: Session, day: date, scored: dict[int, tuple[int, float]]) -> int:
    """Keeps each scored account's stars (1-3) and score of the day and clears the rest, so an account no
    longer scored (e.g. churned) keeps no stale stars. Only changed rows are written; accounts changed."""
    ids = list(session.scalars(select(Account.id).order_by(Account.id)))
    values = pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "intent_stars": pa.array([scored[i][0] if i in scored else None for i in ids], pa.int64()),
            "intent_score": pa.array([scored[i][1] if i in scored else None for i in ids], pa.float64()),
            "intent_scored_on": pa.array([day if i in scored else None for i in ids], pa.date32()),
        }
    )
    return repository.write_changed_values(session, values)
