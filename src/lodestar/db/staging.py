"""Set-based writes of many rows: load them into a temporary staging table, then write only what differs.

A run's new values go in bulk into a temporary table (COPY on PostgreSQL, one executemany on SQLite), and
one statement per kind of change brings the target in line: UPDATE ... FROM the rows whose values differ
(null-safe: IS DISTINCT FROM on PostgreSQL, IS NOT on SQLite), INSERT ... SELECT the rows it lacks, DELETE
the rows in scope the staging table no longer has. A row whose values are equal is not touched at all, so a
rerun with the same values writes nothing.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Index,
    MetaData,
    Table,
    and_,
    delete,
    exists,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement


def _sqlite_rows(data: pa.Table) -> list[tuple[Any, ...]]:
    """The rows as sqlite3 binds them: dates as ISO text (SQLAlchemy's storage format), booleans as 0/1."""
    columns = []
    for column in data.columns:
        if pa.types.is_date(column.type):
            column = pc.cast(column, pa.string())
        elif pa.types.is_boolean(column.type):
            column = pc.cast(column, pa.int8())
        columns.append(column.to_pylist())
    return list(zip(*columns, strict=True))


def bulk_insert(session: Session, target: Table, data: pa.Table) -> int:
    """Inserts every row straight into the target (COPY on PostgreSQL, one executemany on SQLite); rows
    inserted. For rows known to be new (a date with no rows yet): no staging table, no per-row check."""
    if data.num_rows:
        _load(session, target, data)
    return data.num_rows


def _load(session: Session, table: Table, data: pa.Table) -> None:
    data = _plain(data)
    names = ", ".join(f'"{n}"' for n in data.column_names)
    connection = session.connection().connection.driver_connection
    assert connection is not None
    if session.get_bind().dialect.name == "postgresql":
        # CSV written by Arrow in C; quoted strings keep '' apart from NULL (an unquoted empty field).
        buffer = io.BytesIO()
        pcsv.write_csv(data, buffer, pcsv.WriteOptions(include_header=False))
        command = f'COPY "{table.name}" ({names}) FROM STDIN WITH (FORMAT csv)'
        with connection.cursor() as cursor, cursor.copy(command) as copy:
            copy.write(buffer.getvalue())
        return
    marks = ", ".join("?" for _ in data.column_names)
    connection.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', _sqlite_rows(data))


@contextmanager
def staged(
    session: Session, columns: Sequence[Column[Any]], data: pa.Table, key: Sequence[str]
) -> Iterator[Table]:
    """A temporary table of these columns (name and type) holding the data's rows, indexed on `key`, dropped
    afterwards."""
    name = f"staging_{uuid.uuid4().hex[:12]}"
    table = Table(name, MetaData(), *(Column(c.name, c.type) for c in columns), prefixes=["TEMPORARY"])
    table.create(session.connection())
    try:
        if data.num_rows:
            _load(session, table, data.select([c.name for c in columns]))
        # Indexed after loading (cheaper than maintaining it row by row). Without it SQLite answers each
        # "is there a staged row with this key" by scanning the staging table: quadratic.
        Index(f"ix_{name}", *(table.c[k] for k in key)).create(session.connection())
        yield table
    finally:
        table.drop(session.connection())


def _match(target: Table, staging: Table, key: Sequence[str], alike: Sequence[str]) -> ColumnElement[bool]:
    """Same key (plain equality, so indexes serve it) and, null-safely, the same values in `alike`."""
    return and_(
        *(target.c[n] == staging.c[n] for n in key),
        *(target.c[n].is_not_distinct_from(staging.c[n]) for n in alike),
    )


def _rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE touched."""
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def update_changed(
    session: Session, target: Table, staging: Table, key: Sequence[str], columns: Sequence[str]
) -> int:
    """Copies the staged values onto the rows with the same key whose values differ; rows updated."""
    stmt = (
        update(target)
        .where(_match(target, staging, key, ()))
        .where(or_(*(target.c[n].is_distinct_from(staging.c[n]) for n in columns)))
        .values({n: staging.c[n] for n in columns})
    )
    return _rowcount(session.execute(stmt, execution_options={"synchronize_session": False}))


def insert_missing(
    session: Session, target: Table, staging: Table, key: Sequence[str], alike: Sequence[str] = ()
) -> int:
    """Inserts the staged rows the target lacks (same key and `alike` values); rows inserted."""
    names = [c.name for c in staging.columns]
    found = exists().where(_match(target, staging, key, alike))
    stmt = insert(target).from_select(names, select(*(staging.c[n] for n in names)).where(~found))
    # An INSERT ... SELECT reports no rowcount through SQLAlchemy on psycopg: count what it returns.
    return len(session.execute(stmt.returning(literal(1))).all())


def delete_missing(
    session: Session,
    target: Table,
    staging: Table,
    scope: ColumnElement[bool],
    key: Sequence[str],
    alike: Sequence[str] = (),
) -> int:
    """Deletes the target rows in scope with no staged twin (same key and `alike` values); rows deleted."""
    found = exists().where(_match(target, staging, key, alike))
    stmt = delete(target).where(scope, ~found)
    return _rowcount(session.execute(stmt, execution_options={"synchronize_session": False}))


# A write of a few rows reads their stored values by key; more read the whole table (one scan, no IN list).
FEW_ROWS = 5_000
# Distinct sets of changed columns written by statements of their own; rarer sets share one more statement.
MOST_COLUMN_SETS = 7
_CHANGED = "changed_columns"  # the staging table's bit mask of the row's changed columns


def _plain(data: pa.Table) -> pa.Table:
    """Dictionary-encoded columns decoded (the database and the comparison see plain values)."""
    return pa.table(
        [pc.cast(c, c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in data.columns],
        names=data.column_names,
    )


def _same(old: pa.Array, new: pa.Array) -> np.ndarray:
    """Null-safe equality, element by element."""
    equal = pc.fill_null(pc.equal(old, new), False)
    both_null = pc.and_(pc.is_null(old), pc.is_null(new))
    return np.asarray(pc.or_(equal, both_null).to_numpy(zero_copy_only=False), dtype=bool)


def _changed_masks(stored: pa.Table, values: pa.Table, key: str, names: Sequence[str]) -> np.ndarray:
    """Each row's bit mask of the columns whose stored value differs (0: same, or no stored row)."""
    at = pc.index_in(values.column(key).combine_chunks(), value_set=stored.column(key).combine_chunks())
    masks = np.zeros(values.num_rows, dtype=np.int64)
    for bit, name in enumerate(names):
        old = stored.column(name).combine_chunks().take(at)
        masks |= (~_same(old, values.column(name).combine_chunks())).astype(np.int64) << bit
    masks[np.asarray(at.is_null().to_numpy(zero_copy_only=False), dtype=bool)] = 0
    return masks


def _grouped(masks: np.ndarray) -> np.ndarray:
    """The masks with the rarest sets past MOST_COLUMN_SETS folded into one set (their union)."""
    kinds, counts = np.unique(masks[masks != 0], return_counts=True)
    if len(kinds) <= MOST_COLUMN_SETS:
        return masks
    rare = kinds[np.argsort(-counts, kind="stable")[MOST_COLUMN_SETS - 1 :]]
    union = int(np.bitwise_or.reduce(rare))
    return np.where(np.isin(masks, rare), union, masks)


def update_changed_columns(session: Session, target: Table, values: pa.Table, key: str = "id") -> int:
    """Writes the values' columns onto the target rows with the same key, setting in each row only the
    columns whose stored values differ; rows changed (a row the target lacks is left out).

    The stored values are read and compared in Arrow first, so only changed rows are staged, and rows that
    changed in the same columns share one UPDATE that sets just those: an index on a column no statement
    sets is not maintained (SQLite decides that from the SET list). At 100,000 accounts a daily run changes
    the scores and trends of half of them and the grades or stages of a few.
    """
    values = _plain(values)
    names = [n for n in values.column_names if n != key]
    wanted = [target.c[key], *(target.c[n] for n in names)]
    read = select(*wanted)
    if values.num_rows <= FEW_ROWS:
        read = read.where(target.c[key].in_(values.column(key).to_pylist()))
    stored = fetch_columns(session, read, values.select([key, *names]).schema)
    masks = _grouped(_changed_masks(stored, values, key, names))
    changed = masks != 0
    if not changed.any():
        return 0
    rows = values.filter(pa.array(changed)).append_column(_CHANGED, pa.array(masks[changed], pa.int64()))
    columns = [*wanted, Column(_CHANGED, BigInteger)]
    with staged(session, columns, rows, [key]) as staging:
        for mask in np.unique(masks[changed]).tolist():
            setting = {n: staging.c[n] for bit, n in enumerate(names) if mask >> bit & 1}
            stmt = (
                update(target)
                .where(target.c[key] == staging.c[key], staging.c[_CHANGED] == mask)
                .values(setting)
            )
            session.execute(stmt, execution_options={"synchronize_session": False})
    return int(changed.sum())


def fetch_columns(session: Session, stmt: ClauseElement, schema: pa.Schema) -> pa.Table:
    """A query's rows as Arrow columns of this schema, read straight from the driver's cursor.

    Many rows then go through no per-row result processing (SQLite's ISO date text is cast by Arrow). The
    statement's parameters are rendered inline: use it only for numbers and dates the code itself chose.
    """
    dialect = session.get_bind().dialect
    sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    connection = session.connection().connection.driver_connection
    assert connection is not None
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
    arrays = []
    for field, values in zip(schema, columns, strict=True):
        raw = pa.array(values)  # the driver's own types: SQLite hands dates as text, booleans as 0/1
        arrays.append(raw.cast(field.type) if len(raw) else pa.array([], field.type))
    return pa.table(arrays, schema=schema)
