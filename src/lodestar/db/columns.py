"""Whole columns of a query as numpy arrays, read as one text per column instead of one tuple per row.

At 180,000 rows a driver's tuples cost a Python object per value (fifteen columns: 2.7 million objects,
seconds on a busy machine). Here the database joins each column into one text (group_concat on SQLite,
string_agg on PostgreSQL) and numpy parses it in C: integers from "1,2,3", dates from fixed-width ISO text,
texts split on a control character. Every aggregate of one SELECT is fed the same rows in the same order
(both databases step all aggregates of a group together), so the arrays line up row by row; a count read
in the same SELECT checks each array's length.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from sqlalchemy import ColumnElement, Select, String, cast, func, literal, select
from sqlalchemy.orm import QueryableAttribute, Session

from lodestar.db.batches import ID_BATCH

Kind = Literal["int", "day", "text"]
TEXT_SEPARATOR = "\x1f"  # the unit separator: a value holding one has it replaced by a space
NO_DATE = "9999-12-31"  # stands for NULL in a day column (read back as NaT)
ISO_DAY = 10  # characters of YYYY-MM-DD


@dataclass(frozen=True)
class Column:
    """One column to read: its name in the result, its SQL expression and how to parse it. An int column
    must not be NULL (coalesce it); a NULL day reads as NaT, a NULL text as ""."""

    name: str
    expr: ColumnElement[Any] | QueryableAttribute[Any]
    kind: Kind


def _constant(value: str) -> ColumnElement[Any]:
    # Written into the SQL rather than bound: SQLite then folds it once instead of reading a parameter per
    # row and aggregate (a third of a 180,000-row read).
    return literal(value, literal_execute=True)


def _joined(dialect: str, text: ColumnElement[Any], separator: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return func.string_agg(text, _constant(separator))
    return func.group_concat(text, _constant(separator))


def _aggregate(dialect: str, column: Column) -> ColumnElement[Any]:
    as_text = cast(column.expr, String)
    if column.kind == "int":
        return _joined(dialect, as_text, ",")
    if column.kind == "day":
        return _joined(dialect, func.coalesce(as_text, _constant(NO_DATE)), "")
    clean = func.replace(func.coalesce(column.expr, _constant("")), _constant(TEXT_SEPARATOR), _constant(" "))
    return _joined(dialect, clean, TEXT_SEPARATOR)


def _parsed(column: Column, text: str | None, count: int) -> np.ndarray:
    if count == 0 or text is None:
        return np.array([], dtype={"int": "int64", "day": "datetime64[D]", "text": "O"}[column.kind])
    if column.kind == "int":
        out = np.fromstring(text, dtype=np.int64, sep=",")
    elif column.kind == "day":
        days = np.frombuffer(text.encode("ascii"), dtype=f"S{ISO_DAY}").astype("datetime64[D]")
        out = np.where(days == np.datetime64(NO_DATE), np.datetime64("NaT"), days)
    else:
        out = np.array(text.split(TEXT_SEPARATOR), dtype=object)
    if len(out) != count:
        raise ValueError(f"column {column.name}: {len(out)} values for {count} rows")
    return out


def _read(session: Session, columns: Sequence[Column], stmt: Select[Any]) -> dict[str, np.ndarray]:
    row = session.execute(stmt).one()
    count = int(row[0])
    return {c.name: _parsed(c, text, count) for c, text in zip(columns, row[1:], strict=True)}


def read_columns(
    session: Session,
    columns: Sequence[Column],
    query: Callable[[Select[Any]], Select[Any]],
    among: tuple[QueryableAttribute[Any], Collection[int]] | None = None,
) -> dict[str, np.ndarray]:
    """The columns of `query` (which adds the FROM, joins and WHERE to a select of the aggregates) as arrays
    by name; `among` (column, ids) keeps the rows whose column is one of the ids, in batches."""
    dialect = session.get_bind().dialect.name
    base = query(select(func.count(), *(_aggregate(dialect, c) for c in columns)))
    if among is None:
        return _read(session, columns, base)
    column, ids = among
    ordered = sorted(ids)
    parts = [
        _read(session, columns, base.where(column.in_(ordered[i : i + ID_BATCH])))
        for i in range(0, len(ordered), ID_BATCH)
    ]
    if not parts:
        return _read(session, columns, base.where(column.in_([])))
    return {c.name: np.concatenate([p[c.name] for p in parts]) for c in columns}
