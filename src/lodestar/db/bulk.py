"""Bulk INSERT ... RETURNING id that stays batched on SQLite as well as PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session


def _insert_group(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
    # A Core insert on the table: the ORM's bulk path drops None values, which splits rows into
    # differently-shaped runs again.
    table = model.__table__
    if session.get_bind().dialect.name == "sqlite":
        # sort_by_parameter_order falls back to one statement per row on SQLite (its rowid is no
        # sentinel). Within a statement SQLite hands out rowids as max(rowid)+1 in VALUES order, and
        # the batches run one after another, so the sorted ids are in input order.
        return sorted(session.scalars(insert(table).returning(table.c.id), rows))
    return list(session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows))


def insert_returning_ids(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
    """Inserts rows in multi-row statements and returns their new ids in input order."""
    # Rows with different key sets cannot share a statement; SQLAlchemy would otherwise cut the input
    # into many small runs and splice their results together (quadratic), so group them first.
    groups: dict[tuple[str, ...], list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault(tuple(sorted(row)), []).append(index)
    ids = [0] * len(rows)
    for members in groups.values():
        for index, new_id in zip(
            members, _insert_group(session, model, [rows[i] for i in members]), strict=True
        ):
            ids[index] = new_id
    return ids
