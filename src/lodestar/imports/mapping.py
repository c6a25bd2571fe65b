"""Applies a mapping spec to a file's text columns: value maps, defaults, types and cell problems."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lodestar.imports import parsers, targets
from lodestar.imports.schemas import FieldMap, MappingSpec, RowProblem
from lodestar.kit.errors import InvalidInput
from lodestar.kit.text import N_, Text

FIRST_ROW = 2  # row 1 of the file is the header
MAX_PROBLEMS = 1_000


@dataclass
class Mapped:
    """One target field: its typed values, the text it came from, and its source column."""

    values: pa.Array
    text: pa.Array
    column: str  # "" for a constant
    type: str


def auto_fields(kind: str, columns: list[str]) -> dict[str, FieldMap]:
    """Columns whose names equal target fields map themselves."""
    prefix = targets.OPEN_PREFIX.get(kind)
    names = set(targets.FIELDS[kind])
    return {
        c: FieldMap(column=c)
        for c in columns
        if c in names or (prefix is not None and c.startswith(prefix) and len(c) > len(prefix))
    }


def fields_of(spec: MappingSpec, columns: list[str]) -> dict[str, FieldMap]:
    """The mapping's fields (or the columns that map themselves) and, with `unmapped: traits`, every other
    column as `traits.COLUMN`: a CRM export's own fields kept on the account as they are."""
    fields = dict(spec.fields or auto_fields(spec.kind, columns))
    if spec.unmapped == "traits":
        used = {f.column for f in fields.values()}
        prefix = targets.OPEN_PREFIX[spec.kind]
        fields.update(
            {prefix + c: FieldMap(column=c) for c in columns if c not in used and prefix + c not in fields}
        )
    return fields


class Problems:
    """Collects cell problems, keeping the first MAX_PROBLEMS and counting the rest."""

    def __init__(self) -> None:
        self.items: list[RowProblem] = []
        self.more = 0
        self.first_row = FIRST_ROW  # the file row of the table's first row (a streamed batch's starts later)

    def add(self, row: int, column: str, value: str | None, reason: str) -> None:
        """Notes one bad cell."""
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(RowProblem(row, column, value, reason))
        else:
            self.more += 1

    def add_mask(self, mask: pa.Array, text: pa.Array, column: str, reason: str) -> None:
        """Notes every cell where mask is true."""
        if not pc.any(mask).as_py():
            return
        rows = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
        room = max(0, MAX_PROBLEMS - len(self.items))
        for index in rows[:room]:
            self.add(int(index) + self.first_row, column, text[int(index)].as_py(), reason)
        self.more += max(0, len(rows) - room)

    def final(self) -> list[RowProblem]:
        """The problems, with a last line saying how many more there were."""
        if self.more:
            return [*self.items, RowProblem(0, "", None, f"... and {self.more} more problems")]
        return list(self.items)


def text_of(table: pa.Table, target: str, spec: FieldMap) -> tuple[pa.Array, str]:
    """The target's cells as text, with the field's value map and default applied, and its column."""
    if spec.column is not None:
        if spec.column not in table.column_names:
            have = ", ".join(table.column_names)
            raise InvalidInput.one(
                f"fields.{target}", f"no column {spec.column!r} in the file; it has {have}"
            )
        text = parsers.column_of(table, spec.column)
        column = spec.column
    else:
        text = pa.repeat(pa.scalar(_text(spec.constant), pa.string()), table.num_rows)
        column = ""
    if spec.values:
        text = parsers.map_values(text, spec.values)
    if spec.default is not None:
        text = pc.fill_null(text, _text(spec.default))
    return text, column


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


_REASONS = {
    "int": "is not a whole number",
    "number": "is not a number",
    "bool": "is not a yes/no value (TRUE/FALSE, 1/0, 是/否, yes/no)",
}


def _typed(text: pa.Array, kind: str, column: str, fmt: str | None, spec: MappingSpec) -> Parsed:
    if kind == "string":
        return text, pa.array(np.zeros(len(text), dtype=bool))
    if kind in ("date", "datetime"):
        fmt = fmt or parsers.detect_date_format(text, column or "constant")
        if kind == "date":
            return parsers.parse_date(text, fmt)
        return parsers.parse_datetime(text, fmt, spec.timezone)
    parse = {"int": parsers.parse_int, "number": parsers.clean_number, "bool": parsers.parse_bool}[kind]
    return parse(text)


Parsed = tuple[pa.Array, pa.Array]


def _stored_as_time(table: pa.Table, field: FieldMap) -> bool:
    if field.column is None or field.values or field.default is not None:
        return False
    if field.column not in table.column_names:
        return False
    kind = table.schema.field(field.column).type
    return pa.types.is_timestamp(kind) or pa.types.is_date(kind)


def undated_fields(spec: MappingSpec, columns: list[str]) -> dict[str, FieldMap]:
    """The date and date/time fields whose format neither the field nor the mapping states."""
    fields = fields_of(spec, columns)
    return {
        t: f
        for t, f in fields.items()
        if targets.type_of(spec.kind, t, f.type) in ("date", "datetime")
        and not (f.date_format or spec.date_format)
    }


def apply(
    table: pa.Table, spec: MappingSpec, problems: Problems, formats: dict[str, str] | None = None
) -> dict[str, Mapped]:
    """Every mapped target field as typed values; bad cells go to `problems`.

    `formats` gives the date format of fields detected beforehand (over a whole streamed file); other
    date fields without a stated format are detected from this table's values.
    """
    fields = fields_of(spec, table.column_names)
    if not spec.fields:
        _refuse_unused_columns(table, spec.kind, fields, problems)
    missing = [t for t in targets.REQUIRED[spec.kind] if t not in fields]
    if missing:
        raise InvalidInput.one(f"fields.{missing[0]}", f"is required for {spec.kind}; map a column to it")
    mapped: dict[str, Mapped] = {}
    for target, field in fields.items():
        kind = targets.type_of(spec.kind, target, field.type)
        if kind == "datetime" and _stored_as_time(table, field):  # a Parquet timestamp: no text round trip
            values = parsers.instants_of(table.column(str(field.column)), spec.timezone)
            if target in targets.REQUIRED[spec.kind]:
                problems.add_mask(pc.is_null(values), values, field.column or target, f"{target} is required")
            mapped[target] = Mapped(values, values, field.column or "", kind)
            continue
        text, column = text_of(table, target, field)
        try:
            fmt = field.date_format or spec.date_format or (formats or {}).get(target)
            values, bad = _typed(text, kind, column, fmt, spec)
        except InvalidInput as exc:  # a date column that cannot tell d/m/Y from m/d/Y
            problems.add(0, column or target, None, exc.problems[0].message)
            continue
        if kind in ("date", "datetime"):
            fmt = field.date_format or spec.date_format
            reason = f"is not a valid {'date' if kind == 'date' else 'date/time'}" + (
                f" ({fmt})" if fmt else ""
            )
        else:
            reason = _REASONS.get(kind, "is invalid")
        problems.add_mask(bad, text, column or target, reason)
        if target in targets.REQUIRED[spec.kind]:
            problems.add_mask(pc.is_null(text), text, column or target, f"{target} is required")
        mapped[target] = Mapped(values, text, column, kind)
    return mapped


def _refuse_unused_columns(
    table: pa.Table, kind: str, fields: dict[str, FieldMap], problems: Problems
) -> None:
    """A column with values that maps to no field is a problem, never silently dropped: a file's
    `renewal_date` or `stage` column would otherwise look imported when it was not."""
    used = {f.column for f in fields.values()}
    for column in table.column_names:
        if column in used:
            continue
        text = parsers.column_of(table, column)
        if pc.all(pc.is_null(text)).as_py():
            continue  # an empty column says nothing
        problems.add(
            0,
            column,
            None,
            Text(
                N_("is not imported: %(kind)s have no field %(column)s; map it explicitly or drop it"),
                kind=kind,
                column=column,
            ),
        )
