"""Bulk INSERT ... RETURNING id that stays batched on SQLite as well as PostgreSQL, and plain bulk inserts of
rows whose ids nobody needs back (audit entries) without SQLAlchemy's per-row statement work."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
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


def _processors(session: Session, table: Table, names: list[str]) -> dict[str, Callable[[Any], Any] | None]:
    dialect = session.get_bind().dialect
    return {n: table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names}


def _copy_rows(session: Session, table: Table, names: list[str], rows: Iterable[dict[str, Any]]) -> None:
    """The rows (each holding every name) streamed into the table with COPY, bound as an INSERT would."""
    processors = _processors(session, table, names)
    connection = session.connection().connection.driver_connection
    assert connection is not None
    columns = ", ".join(f'"{n}"' for n in names)
    with connection.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([_bound(processors[n], row[n]) for n in names])


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
    # Rows share a key set, not always its order.
    _copy_rows(session, table, names, ({"id": i, **row, **filled} for i, row in zip(ids, rows, strict=True)))
    return ids


def insert_rows(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> int:
    """Inserts rows that share one key set, in input order, and returns how many (no ids): COPY on
    PostgreSQL from COPY_FROM_ROWS rows, the driver's own executemany on SQLite, each value bound as an
    INSERT would bind it. SQLAlchemy's executemany spends most of its time per row building parameters."""
    if not rows:
        return 0
    table = model.__table__
    filled = _defaults(table, set(rows[0]))
    names = [*rows[0], *filled]
    full = [{**row, **filled} for row in rows] if filled else rows
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql" and len(rows) >= COPY_FROM_ROWS:
        _copy_rows(session, table, names, full)
    elif dialect == "sqlite":
        bound = list(_processors(session, table, names).items())
        values = [tuple(row[n] if p is None else p(row[n]) for n, p in bound) for row in full]
        connection = session.connection().connection.driver_connection
        assert connection is not None
        marks = ", ".join("?" for _ in names)
        columns = ", ".join(f'"{n}"' for n in names)
        connection.executemany(f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})', values)
    else:
        session.execute(insert(table), rows)
    return len(rows)


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
