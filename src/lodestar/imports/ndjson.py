"""NDJSON (one JSON object per line, .ndjson / .jsonl) read a block of lines at a time.

Arrow parses each block; a block whose lines disagree on a field's kind (a number here, text there) or
that Arrow cannot parse is read line by line instead, which also names the line of a broken one.
Nested objects and lists become JSON text; strings that look like times are read as times by Arrow.
Rows are numbered by object (the first object is row 1; blank lines do not count), so without blank lines
a row number is the line number.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import pyarrow as pa
import pyarrow.json as pajson

from lodestar.imports.text import blank_to_null, cell
from lodestar.kit.errors import InvalidInput

_MIN_BLOCK = 1 << 16


def _block_bytes(handle: BinaryIO, rows: int) -> int:
    """About `rows` lines' worth of bytes, from the length of the first lines."""
    sample = handle.read(_MIN_BLOCK)
    handle.seek(0)
    per_line = len(sample) / max(1, sample.count(b"\n"))
    return max(_MIN_BLOCK, int(rows * per_line))


def tables(source: bytes | Path, rows: int) -> Iterator[pa.Table]:
    """The file's objects as text-column tables of about `rows` rows each (rebatched by the caller)."""
    with io.BytesIO(source) if isinstance(source, bytes) else source.open("rb") as handle:
        size = _block_bytes(handle, rows)
        carry = b""
        line = 1  # the file line of the block's first line
        while block := handle.read(size):
            data = carry + block
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                carry = data
                continue
            carry, data = data[cut:], data[:cut]
            yield _block(data, line)
            line += data.count(b"\n")
        if carry.strip():
            yield _block(carry, line)


def _block(data: bytes, line: int) -> pa.Table:
    try:
        table = pajson.read_json(io.BytesIO(data), read_options=pajson.ReadOptions(block_size=len(data) + 1))
    except pa.ArrowInvalid:
        return _by_line(data, line)
    return blank_to_null(pa.table([_text(c) for c in table.columns], names=table.column_names))


def _text(column: pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    kind = column.type
    if pa.types.is_struct(kind) or pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return pa.array([_json_cell(v) for v in column.to_pylist()], pa.string())
    if pa.types.is_boolean(kind):
        return pa.array([cell(v) for v in column.to_pylist()], pa.string())
    return column


def _json_cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return cell(value)


def _by_line(data: bytes, line: int) -> pa.Table:
    records: list[dict[str, Any]] = []
    for number, text in enumerate(data.split(b"\n"), start=line):
        if not text.strip():
            continue  # blank lines are skipped, as Arrow does
        try:
            record = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise InvalidInput.one("file", f"line {number} is not valid JSON: {exc}") from None
        if not isinstance(record, dict):
            raise InvalidInput.one("file", f"line {number} is not a JSON object")
        records.append(record)
    names = list(dict.fromkeys(k for r in records for k in r))
    columns = [pa.array([_json_cell(r.get(n)) for r in records], pa.string()) for n in names]
    return blank_to_null(pa.table(columns, names=names))
