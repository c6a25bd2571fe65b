"""Bulk INSERT ... RETURNING id that stays batched on SQLite as well as PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.orm import Session

# From this many rows PostgreSQL takes ids from the sequence and streams the rows with COPY: a multi-row
# INSERT of that size spends most of its time in the driver parsing its huge statement text.
COPY_FROM_ROWS = 2_000


def _defaults(table: Table, given: set[str]) -> dict[str, Any]:
    """Python-side column defaults of the columns a row leaves out (COPY bypasses SQLAlchemy's)."""
    out: dict[str, Any] = {}
    for column in table.columns:
        if column.name in given or column.name == "id" or column.default is None:
            continue
        default: Any = column.default
        if default.is_scalar:
            out[column.name] = default.arg
        elif default.is_callable:
            out[column.name] = default.arg(None)  # SQLAlchemy wraps zero-argument callables to take a context
    return out


def _bound(processor: Callable[[Any], Any] | None, value: Any) -> Any:
    """A value as the driver takes it (JSON serialised, instants in UTC...), as an INSERT would bind it."""
    value = value if processor is None else processor(value)
    # The psycopg dialect leaves JSON to the driver's INSERT adapters; COPY's text format takes it as text.
    return json.dumps(value) if isinstance(value, dict | list) else value


def _copy_group(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Ids drawn from the table's sequence, then the rows (ids included) streamed in with COPY."""
    ids = list(
        session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": len(rows)},
        )
    )
    filled = _defaults(table, set(rows[0]))
    names = ["id", *rows[0], *filled]
    dialect = session.get_bind().dialect
    processors = {n: table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names}
    connection = session.connection().connection.driver_connection
    assert connection is not None
    columns = ", ".join(f'"{n}"' for n in names)
    with connection.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for new_id, row in zip(ids, rows, strict=True):
            values = {"id": new_id, **row, **filled}  # rows share a key set, not always its order
            copy.write_row([_bound(processors[n], values[n]) for n in names])
    return ids


def _insert_group(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
    # A Core insert on the table: the ORM's bulk path drops None values, which splits rows into
    # differently-shaped runs again.
    table = model.__table__
    if session.get_bind().dialect.name == "postgresql" and len(rows) >= COPY_FROM_ROWS:
        return _copy_group(session, table, rows)
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
