"""Cells as text: what every reader gives the mapping step (trimmed, blank as null)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc


def as_text(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One column as trimmed text, blank cells as nulls (done only for the columns a mapping uses)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    text = pc.utf8_trim_whitespace(column.cast(pa.string()))
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def trim_names(table: pa.Table) -> pa.Table:
    """The table with its column names trimmed (cells are left as the file has them)."""
    names = [str(n).strip() for n in table.column_names]
    return table if names == table.column_names else table.rename_columns(names)


def blank_to_null(table: pa.Table) -> pa.Table:
    """Every column as trimmed text, blank cells as nulls, column names trimmed."""
    return pa.table([as_text(c) for c in table.columns], names=[str(n).strip() for n in table.column_names])


def cell(value: Any) -> str | None:
    """One spreadsheet or JSON cell as text (whole floats without ".0", dates in ISO form)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != datetime.min.time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
