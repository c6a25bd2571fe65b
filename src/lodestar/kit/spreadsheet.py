"""Cells safe to open in a spreadsheet: text that Excel or LibreOffice would run as a formula is escaped."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

# OWASP's list: a leading = + - @ starts a formula; a leading tab or carriage return can hide one.
FORMULA_START = r"^[=+\-@\t\r]"


def escape_formulas(table: pa.Table) -> pa.Table:
    """Prefixes a quote to every text cell that would start a formula; other columns are untouched."""
    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            risky = pc.match_substring_regex(column, FORMULA_START)
            column = pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)
