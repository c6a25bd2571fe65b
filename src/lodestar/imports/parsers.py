"""Vectorised value parsers: each takes a text column and gives typed values plus a mask of bad cells."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lodestar.imports.text import as_text
from lodestar.kit.errors import InvalidInput

TRUE = ("true", "1", "是", "yes", "y", "t", "on")
FALSE = ("false", "0", "否", "no", "n", "f", "off")
_NUMBER = r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?$"
_ISO = r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"
_DAY_FIRST = r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T].*)?$"
_SLASHED = r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4})"
_STAMP = (
    r"^(?P<d>\d[\d/.\-]+\d)(?:[ T](?P<t>\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(?P<z>Z|[+-]\d{2}:?\d{2})?$"
)
_UTC = pa.timestamp("us", tz="UTC")
_PLAIN_ISO = r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?Z?)?$"

Parsed = tuple[pa.Array, pa.Array]  # typed values (null where bad or blank), bad-cell mask


def _bad(text: pa.Array, values: pa.Array) -> pa.Array:
    """Cells that had text but gave no value."""
    return pc.and_(pc.is_valid(text), pc.is_null(values))


def _array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def map_values(text: pa.Array, values: dict[str, Any]) -> pa.Array:
    """Replaces cells found in the value map (matched ignoring case); other cells stay as they are."""
    keys = [k.lower() for k in values]
    targets = pa.array([None if v is None else _as_text(v) for v in values.values()], pa.string())
    index = pc.index_in(pc.utf8_lower(text), value_set=pa.array(keys, pa.string()))
    mapped = pc.take(targets, index)
    return pc.if_else(pc.is_valid(index), mapped, text)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_bool(text: pa.Array) -> Parsed:
    """TRUE/True/true/1/是/yes and FALSE/False/false/0/否/no."""
    lower = pc.utf8_lower(text)
    is_true = pc.is_in(lower, value_set=pa.array(TRUE))
    is_false = pc.is_in(lower, value_set=pa.array(FALSE))
    values = pc.if_else(is_true, True, pc.if_else(is_false, False, pa.scalar(None, pa.bool_())))
    return values, _bad(text, values)


def clean_number(text: pa.Array) -> Parsed:
    """Numbers with optional thousands separators (1,234,567.89), as plain decimal text."""
    valid = pc.and_(pc.match_substring_regex(text, _NUMBER), pc.match_substring_regex(text, r"\d"))
    clean = pc.if_else(valid, pc.replace_substring(text, ",", ""), pa.scalar(None, pa.string()))
    return clean, _bad(text, clean)


def parse_number(text: pa.Array) -> Parsed:
    """Numbers as float64."""
    clean, bad = clean_number(text)
    return pc.cast(clean, pa.float64()), bad


def parse_int(text: pa.Array) -> Parsed:
    """Whole numbers (4.0 counts as 4)."""
    numbers, _ = parse_number(text)
    whole = pc.and_(pc.equal(pc.floor(numbers), numbers), pc.less(pc.abs(numbers), 2.0**53))
    values = pc.cast(pc.if_else(whole, numbers, pa.scalar(None, pa.float64())), pa.int64())
    return values, _bad(text, values)


class DateEvidence:
    """What a date column's values say about its format, gathered a batch at a time: the same answer as
    looking at the whole column at once."""

    def __init__(self) -> None:
        self.all_iso = True  # every value so far starts with a four-digit year
        self.slashed = False  # some value looks like d/m/Y or m/d/Y
        self.day_first = False  # some slashed value has a first part over 12
        self.month_first = False  # some slashed value has a middle part over 12

    def add(self, text: pa.Array) -> None:
        """Takes in one batch of the column's text."""
        present = pc.drop_null(text)
        if len(present) == 0:
            return
        iso = bool(pc.all(pc.match_substring_regex(present, r"^\d{4}[-/.]")).as_py())
        self.all_iso = self.all_iso and iso
        if iso:  # a value starting with a four-digit year is never d/m/Y or m/d/Y
            return
        slashed = pc.filter(present, pc.match_substring_regex(present, _SLASHED))
        if len(slashed) == 0:
            return
        self.slashed = True
        parts = pc.extract_regex(slashed, _SLASHED)
        first = pc.cast(pc.struct_field(parts, "a"), pa.int32())
        second = pc.cast(pc.struct_field(parts, "b"), pa.int32())
        self.day_first = self.day_first or bool(pc.any(pc.greater(first, 12)).as_py())
        self.month_first = self.month_first or bool(pc.any(pc.greater(second, 12)).as_py())

    def format(self, column: str) -> str:
        """iso, d/m/Y or m/d/Y; refuses when the column cannot tell."""
        if self.all_iso or not self.slashed:
            return "iso"  # nothing slashed: bad cells are reported as not ISO dates
        if self.day_first and not self.month_first:
            return "d/m/Y"
        if self.month_first and not self.day_first:
            return "m/d/Y"
        why = (
            "has days over 12 in both places"
            if self.day_first
            else "has no day over 12 to tell d/m/Y from m/d/Y"
        )
        raise InvalidInput.one(
            column, f"dates are ambiguous: the column {why}; state date_format in the mapping"
        )


def detect_date_format(text: pa.Array, column: str) -> str:
    """iso, d/m/Y or m/d/Y from the column's values; refuses when the column cannot tell."""
    evidence = DateEvidence()
    evidence.add(text)
    return evidence.format(column)


def _iso_text(text: pa.Array, fmt: str) -> pa.Array:
    pattern, order = {"iso": (_ISO, r"\1-\2-\3"), "d/m/Y": (_DAY_FIRST, r"\3-\2-\1")}.get(
        fmt, (_DAY_FIRST, r"\3-\1-\2")
    )
    out = pc.replace_substring_regex(text, pattern, order)
    out = pc.replace_substring_regex(out, r"^(\d{4})-(\d)-", r"\1-0\2-")
    out = pc.replace_substring_regex(out, r"-(\d)$", r"-0\1")
    ok = pc.match_substring_regex(text, pattern)
    return pc.if_else(ok, out, pa.scalar(None, pa.string()))


def _dates(iso: pa.Array) -> pa.Array:
    # strptime rolls 31/2 over into March; a date that does not print back as given is refused.
    values = pc.cast(pc.strptime(iso, format="%Y-%m-%d", unit="s", error_is_null=True), pa.date32())
    same = pc.equal(pc.strftime(values, format="%Y-%m-%d"), iso)
    return pc.if_else(pc.fill_null(same, False), values, pa.scalar(None, pa.date32()))


def parse_date(text: pa.Array, fmt: str) -> Parsed:
    """Calendar dates in the given format (a time part, if any, is ignored)."""
    values = _dates(_iso_text(text, fmt))
    return values, _bad(text, values)


def _present(part: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(part, ""), pa.scalar(None, pa.string()), part)


def parse_datetime(text: pa.Array, fmt: str, offset: str = "+00:00") -> Parsed:
    """Instants: a date in the given format, an optional time and zone (else `offset`), as UTC."""
    if fmt == "iso" and (plain := _plain_iso(text, offset)) is not None:
        return plain, _bad(text, plain)
    parts = pc.extract_regex(text, _STAMP)
    day = _iso_text(pc.struct_field(parts, "d"), fmt)
    day = pc.if_else(pc.is_valid(_dates(day)), day, pa.scalar(None, pa.string()))
    clock = _present(pc.replace_substring_regex(pc.struct_field(parts, "t"), r"^(\d):", r"0\1:"))
    clock = pc.if_else(pc.is_valid(clock), clock, "00:00:00")
    zone = _present(pc.struct_field(parts, "z"))
    zone = pc.if_else(pc.is_valid(zone), zone, offset)
    joined = pc.binary_join_element_wise(day, clock, "T")
    values = _to_instants(pc.binary_join_element_wise(joined, zone, ""))
    return values, _bad(text, values)


def _to_instants(joined: pa.Array) -> pa.Array:
    try:
        return pc.cast(joined, _UTC)
    except pa.ArrowInvalid:  # an impossible clock (25:00) somewhere: parse cell by cell
        out: list[datetime | None] = []
        for value in joined.to_pylist():
            try:
                out.append(datetime.fromisoformat(value).astimezone(UTC) if value else None)
            except ValueError:
                out.append(None)
        return pa.array(out, _UTC)


def column_of(table: pa.Table, name: str) -> pa.Array:
    """A column of the table as one text array (trimmed, blank cells as nulls)."""
    return as_text(table.column(name))


def _plain_iso(text: pa.Array, offset: str) -> pa.Array | None:
    """The common case in one cast: every cell `YYYY-MM-DD[ hh:mm[:ss[.f]][Z]]` (Arrow's parser refuses
    impossible dates and clocks); None when some cell is otherwise, for the general parser."""
    if pc.any(pc.invert(pc.match_substring_regex(text, _PLAIN_ISO))).as_py():
        return None
    utc = pc.ends_with(text, "Z")
    try:
        local = pc.cast(pc.utf8_rtrim(text, characters="Z"), pa.timestamp("us"))
    except pa.ArrowInvalid:
        return None
    shifted = _at_offset(local, offset)
    if not pc.any(utc).as_py():
        return shifted
    return pc.if_else(utc, pc.cast(local, _UTC), shifted)


def _at_offset(local: pa.Array, offset: str) -> pa.Array:
    """Zone-less times read at `offset` (+HH:MM), as UTC instants."""
    sign = -1 if offset.startswith("-") else 1
    shift = sign * (int(offset[1:3]) * 3600 + int(offset[4:6]) * 60) * 1_000_000
    micros = pc.cast(pc.cast(local, pa.timestamp("us"), safe=False), pa.int64())
    return pc.cast(pc.subtract(micros, shift), _UTC)


def instants_of(column: pa.Array | pa.ChunkedArray, offset: str) -> pa.Array:
    """A column the file stores as dates or times, as UTC instants without a round trip through text;
    times without a zone are read at `offset` (as their text would be)."""
    column = _array(column)
    if pa.types.is_timestamp(column.type) and column.type.tz is not None:
        return pc.cast(column, _UTC, safe=False)
    return _at_offset(column, offset)
