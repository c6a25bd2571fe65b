"""Upsert by an external key: insert new rows, update changed ones, leave equal ones alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.db.bulk import insert_returning_ids

BATCH = 5_000  # keeps IN (...) lists under SQLite's bound-parameter limit


@dataclass
class UpsertCounts:
    """How many rows an upsert created, changed and found already equal; ids in input order."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[int] = field(default_factory=list)


def existing_by_key(session: Session, model: type[Any], key: str, values: Sequence[Any]) -> dict[Any, Any]:
    """The stored rows whose `key` is one of these values, by value."""
    column = getattr(model, key)
    wanted = sorted({v for v in values if v is not None})
    found: dict[Any, Any] = {}
    for i in range(0, len(wanted), BATCH):
        for obj in session.scalars(select(model).where(column.in_(wanted[i : i + BATCH]))):
            found[getattr(obj, key)] = obj
    return found


def upsert_by_key(
    session: Session,
    model: type[Any],
    key: str,
    rows: Sequence[dict[str, Any]],
    merge: tuple[str, ...] = (),
    defaults: dict[str, Any] | None = None,
) -> UpsertCounts:
    """Writes rows keyed by `key` (unique); dict fields in `merge` are merged; `defaults` fill new rows."""
    stored = existing_by_key(session, model, key, [r[key] for r in rows])
    counts = UpsertCounts(ids=[0] * len(rows))
    fresh: list[int] = []
    for index, row in enumerate(rows):
        obj = stored.get(row[key])
        if obj is None:
            fresh.append(index)
            continue
        changed = False
        for name, value in row.items():
            if name in merge and isinstance(value, dict):
                value = {**(getattr(obj, name) or {}), **value}
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        counts.updated += changed
        counts.unchanged += not changed
        counts.ids[index] = obj.id
    session.flush()
    new_ids = insert_returning_ids(session, model, [{**(defaults or {}), **rows[i]} for i in fresh])
    for index, new_id in zip(fresh, new_ids, strict=True):
        counts.ids[index] = new_id
    counts.created = len(fresh)
    return counts
