"""Queries over a set of ids too large for one IN (...) list."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy.orm import Session

ID_BATCH = 5_000  # keeps IN (...) lists under SQLite's bound-parameter limit


def rows_among(
    session: Session, stmt: Any, column: Any, ids: Collection[int] | None, batch: int = ID_BATCH
) -> list[Any]:
    """The statement's rows over every id (None) or those whose `column` is one of `ids`, in batches."""
    if ids is None:
        return list(session.execute(stmt))
    ordered = sorted(ids)
    out: list[Any] = []
    for i in range(0, len(ordered), batch):
        out.extend(session.execute(stmt.where(column.in_(ordered[i : i + batch]))))
    return out
