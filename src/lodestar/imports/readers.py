"""Reads CSV, XLSX, Parquet and NDJSON files as batches of rows.

A file is read a batch of rows at a time (`batches`), so an event import's memory does not grow with the
file; `read_table` gathers the batches of a record import (accounts, contracts…), which stays capped at
MAX_ROWS rows.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lodestar.imports import ndjson, workbooks
from lodestar.imports.text import blank_to_null, trim_names
from lodestar.kit.errors import InvalidInput

FORMATS = ("csv", "xlsx", "parquet", "ndjson")
_SUFFIXES = {
    "csv": "csv", "txt": "csv", "tsv": "csv", "xlsx": "xlsx", "parquet": "parquet", "pq": "parquet",
    "ndjson": "ndjson", "jsonl": "ndjson",
}  # fmt: skip
MAX_ROWS = 1_000_000  # a record import (not events) is held whole
_DECODE_CHUNK = 8 << 20
_CSV_BLOCK = 4 << 20

Source = bytes | Path  # a file in memory (tests, small uploads) or on disk (the CLI, kept uploads)


@dataclass
class Batches:
    """A file as tables of at most `rows` rows each, in file order. Cells are as the file holds them (text
    of CSV, typed values of Parquet): the mapping step turns the columns it uses into trimmed text."""

    tables: Iterator[pa.Table]
    first_row: int  # the file's row number of the first data row: 2 below a header, 1 for NDJSON lines
    total: int | None = None  # rows in the file, when the format says so without reading it
    temporal: frozenset[str] = field(default_factory=frozenset)  # columns stored as dates/times (ISO text)
    schemaless: bool = False  # a column may be missing from some rows (NDJSON)


def format_of(filename: str) -> str:
    """The file format from its name (csv, xlsx, parquet or ndjson)."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in _SUFFIXES:
        raise InvalidInput.one("file", f"{filename!r} is not a .csv, .xlsx, .parquet or .ndjson/.jsonl file")
    return _SUFFIXES[suffix]


@contextmanager
def opened(source: Source) -> Iterator[BinaryIO]:
    """The file as a binary handle of its own (each pass over a file opens it again)."""
    if isinstance(source, bytes):
        yield io.BytesIO(source)
    else:
        with source.open("rb") as handle:
            yield handle


def _native(source: Source) -> str | pa.BufferReader:
    """What Arrow reads without going through Python (and its lock) for every block."""
    return pa.BufferReader(source) if isinstance(source, bytes) else str(source)


def _decode_error(source: Source, encoding: str) -> str | None:
    """Why the whole file does not decode in this encoding (None when it does), a chunk at a time."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with opened(source) as handle:
            while chunk := handle.read(_DECODE_CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return str(exc.reason)
    return None


def detect_encoding(source: Source) -> str:
    """utf-8-sig when the bytes decode as UTF-8 (BOM or not), else gb18030 (a superset of GBK)."""
    if _decode_error(source, "utf-8") is None:
        return "utf-8-sig"
    if _decode_error(source, "gb18030") is None:
        return "gb18030"
    raise InvalidInput.one("encoding", "the file is neither UTF-8 nor GBK/GB18030; state it")


def _csv(source: Source, encoding: str | None, rows: int, columns: list[str] | None) -> Batches:
    used = encoding or detect_encoding(source)
    if used in ("utf-8", "utf-8-sig") and encoding and (reason := _decode_error(source, "utf-8")):
        raise InvalidInput.one("encoding", f"the file is not valid {encoding}: {reason}")
    with opened(source) as handle:
        first_line = handle.read(1 << 16).split(b"\n", 1)[0]
    delimiter = "\t" if first_line.count(b"\t") > first_line.count(b",") else ","
    # Arrow skips a UTF-8 BOM itself and transcodes other encodings as it streams.
    read = pacsv.ReadOptions(block_size=_CSV_BLOCK, encoding="utf8" if used.startswith("utf-8") else used)
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    try:
        names = pacsv.open_csv(_native(source), read_options=read, parse_options=parse).schema.names
        convert = pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=True,
            include_columns=None if columns is None else [n for n in names if n.strip() in columns],
        )
        reader = pacsv.open_csv(
            _native(source), read_options=read, parse_options=parse, convert_options=convert
        )
    except pa.ArrowInvalid as exc:
        raise InvalidInput.one("file", f"cannot read the CSV: {exc}") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput.one("encoding", f"the file is not valid {used}: {exc.reason}") from None
    return Batches(_rebatch(_csv_tables(reader, used), rows), first_row=2)


def _csv_tables(reader: pacsv.CSVStreamingReader, encoding: str) -> Iterator[pa.Table]:
    yield trim_names(reader.schema.empty_table())  # a header-only file still names its columns
    try:
        for batch in reader:
            yield trim_names(pa.Table.from_batches([batch]))
    except pa.ArrowInvalid as exc:
        raise InvalidInput.one("file", f"cannot read the CSV: {exc}") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput.one("encoding", f"the file is not valid {encoding}: {exc.reason}") from None


def _parquet(source: Source, rows: int, columns: list[str] | None) -> Batches:
    try:
        # No pre-buffering: pyarrow keeps every pre-read range of the file until the reader closes, so a
        # streamed read's memory would grow with the file (1.2 GiB more at 50M rows).
        parquet = pq.ParquetFile(_native(source), pre_buffer=False)
    except (pa.ArrowException, OSError) as exc:
        raise InvalidInput.one("file", f"cannot read the Parquet file: {exc}") from None
    schema = parquet.schema_arrow
    temporal = frozenset(f.name for f in schema if pa.types.is_temporal(f.type))
    wanted = None if columns is None else [c for c in columns if c in schema.names]

    def tables() -> Iterator[pa.Table]:
        yield trim_names(schema.empty_table() if wanted is None else schema.empty_table().select(wanted))
        try:
            for batch in parquet.iter_batches(batch_size=rows, columns=wanted):
                yield trim_names(pa.Table.from_batches([batch]))
        except pa.ArrowException as exc:
            raise InvalidInput.one("file", f"cannot read the Parquet file: {exc}") from None

    total = parquet.metadata.num_rows
    return Batches(_rebatch(tables(), rows), first_row=2, total=total, temporal=temporal)


def _rebatch(tables: Iterable[pa.Table], rows: int) -> Iterator[pa.Table]:
    """The same rows as tables of exactly `rows` rows (the last one shorter); a file without rows gives
    one empty table, so its column names are still known."""
    pending: list[pa.Table] = []
    held = 0
    empty: pa.Table | None = None
    yielded = False
    for table in tables:
        if empty is None:
            empty = table.slice(0, 0)
        while table.num_rows:
            take = min(rows - held, table.num_rows)
            pending.append(table.slice(0, take))
            table, held = table.slice(take), held + take
            if held == rows:
                yield pa.concat_tables(pending, promote_options="default").combine_chunks()
                pending, held, yielded = [], 0, True
    if held:
        yield pa.concat_tables(pending, promote_options="default").combine_chunks()
    elif not yielded and empty is not None:
        yield empty


def batches(
    source: Source,
    filename: str,
    encoding: str | None = None,
    sheet: str | None = None,
    rows: int = 500_000,
    columns: list[str] | None = None,
) -> Batches:
    """The file as batches of at most `rows` rows; `columns` (when given) limits what is read."""
    fmt = format_of(filename)
    if fmt == "parquet":
        return _parquet(source, rows, columns)
    if fmt == "xlsx":
        table_iter, total = workbooks.sheet_tables(source, sheet, rows)
        return Batches(table_iter, first_row=2, total=total)
    if fmt == "ndjson":
        return Batches(_rebatch(ndjson.tables(source, rows), rows), first_row=1, schemaless=True)
    return _csv(source, encoding, rows, columns)


def read_table(raw: bytes, filename: str, encoding: str | None = None, sheet: str | None = None) -> pa.Table:
    """A whole file (at most MAX_ROWS rows) as one table of text columns (blank cells as nulls)."""
    read = batches(raw, filename, encoding, sheet, rows=MAX_ROWS + 1)
    tables = []
    for table in read.tables:
        tables.append(table)
        if sum(t.num_rows for t in tables) > MAX_ROWS:
            raise InvalidInput.one("file", f"has more than {MAX_ROWS:,} rows; split it into smaller files")
    if not tables:
        return pa.table({})
    return blank_to_null(pa.concat_tables(tables, promote_options="default"))
