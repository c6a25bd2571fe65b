"""Reads CSV, XLSX and Parquet files into a table of text columns (blank cells as nulls)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lodestar.kit.errors import InvalidInput

FORMATS = ("csv", "xlsx", "parquet")
# A workbook is a zip: a small file can unpack to gigabytes of sheet XML (a "zip bomb"). Checked from the
# zip directory before anything is unpacked; zipfile never reads an entry past its declared size.
MAX_XLSX_UNPACKED = 100 * 1024 * 1024
MAX_ROWS = 1_000_000
_BOM = b"\xef\xbb\xbf"


def format_of(filename: str) -> str:
    """The file format from its name (csv, xlsx or parquet)."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    fmt = {"csv": "csv", "txt": "csv", "tsv": "csv", "xlsx": "xlsx", "parquet": "parquet", "pq": "parquet"}
    if suffix not in fmt:
        raise InvalidInput.one("file", f"{filename!r} is not a .csv, .xlsx or .parquet file")
    return fmt[suffix]


def detect_encoding(raw: bytes) -> str:
    """utf-8-sig when the bytes decode as UTF-8 (BOM or not), else gb18030 (a superset of GBK)."""
    try:
        raw.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        raise InvalidInput.one("encoding", "the file is neither UTF-8 nor GBK/GB18030; state it") from None


def _utf8(raw: bytes, encoding: str | None) -> tuple[bytes, str]:
    encoding = encoding or detect_encoding(raw)
    if encoding in ("utf-8", "utf-8-sig"):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput.one("encoding", f"the file is not valid {encoding}: {exc.reason}") from None
        return raw.removeprefix(_BOM), encoding
    try:
        return raw.decode(encoding).encode("utf-8"), encoding
    except UnicodeDecodeError as exc:
        raise InvalidInput.one("encoding", f"the file is not valid {encoding}: {exc.reason}") from None


def _blank_to_null(table: pa.Table) -> pa.Table:
    columns = []
    for column in table.columns:
        text = pc.utf8_trim_whitespace(column.cast(pa.string()))
        columns.append(pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text))
    return pa.table(columns, names=[str(n).strip() for n in table.column_names])


def read_csv(raw: bytes, encoding: str | None = None) -> tuple[pa.Table, str]:
    """A CSV file as text columns, and the encoding it was read with."""
    data, used = _utf8(raw, encoding)
    delimiter = "\t" if data.split(b"\n", 1)[0].count(b"\t") > data.split(b"\n", 1)[0].count(b",") else ","
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    try:
        names = pacsv.open_csv(io.BytesIO(data), parse_options=parse).schema.names
        table = pacsv.read_csv(
            io.BytesIO(data),
            parse_options=parse,
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True
            ),
        )
    except pa.ArrowInvalid as exc:
        raise InvalidInput.one("file", f"cannot read the CSV: {exc}") from None
    return _blank_to_null(table), used


def _cell(value: Any) -> str | None:
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


def read_xlsx(raw: bytes, sheet: str | None = None) -> pa.Table:
    """The first (or named) sheet of a workbook as text columns; the first row names them."""
    from openpyxl import load_workbook

    _check_unpacked_size(raw)
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InvalidInput.one("file", f"cannot read the workbook: {exc}") from None
    if sheet is not None and sheet not in book.sheetnames:
        raise InvalidInput.one("sheet", f"no sheet {sheet!r}; the workbook has {', '.join(book.sheetnames)}")
    try:  # a read-only workbook parses each sheet's XML only now, row by row
        header, cells = _sheet_cells(book[sheet or book.sheetnames[0]].iter_rows(values_only=True))
    except InvalidInput:
        raise
    except Exception as exc:  # malformed sheet XML surfaces as any of lxml's, zipfile's or openpyxl's errors
        raise InvalidInput.one("file", f"cannot read the workbook's sheet: {exc}") from None
    finally:
        book.close()
    return _blank_to_null(pa.table([pa.array(c, pa.string()) for c in cells], names=header))


def _check_unpacked_size(raw: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except zipfile.BadZipFile:
        return  # not a zip at all: openpyxl says so in its own words
    if unpacked > MAX_XLSX_UNPACKED:
        megabytes = MAX_XLSX_UNPACKED // (1024 * 1024)
        raise InvalidInput.one(
            "file", f"the workbook unpacks to more than {megabytes} MB; export the sheet as CSV instead"
        )


def _too_many_rows() -> InvalidInput:
    return InvalidInput.one("file", f"has more than {MAX_ROWS:,} rows; split it into smaller files")


def _sheet_cells(rows: Iterator[tuple[Any, ...]]) -> tuple[list[str], list[list[str | None]]]:
    header = [_cell(v) or f"column_{i + 1}" for i, v in enumerate(next(rows, ()))]
    cells: list[list[str | None]] = [[] for _ in header]
    for count, row in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise _too_many_rows()
        if all(v is None for v in row):
            continue
        for i in range(len(header)):
            cells[i].append(_cell(row[i]) if i < len(row) else None)
    return header, cells


def read_parquet(raw: bytes) -> pa.Table:
    """A Parquet file as text columns."""
    try:
        table = pq.read_table(io.BytesIO(raw))
    except pa.ArrowException as exc:
        raise InvalidInput.one("file", f"cannot read the Parquet file: {exc}") from None
    return _blank_to_null(table)


def read_table(raw: bytes, filename: str, encoding: str | None = None, sheet: str | None = None) -> pa.Table:
    """Any supported file as a table of text columns."""
    fmt = format_of(filename)
    if fmt == "xlsx":
        table = read_xlsx(raw, sheet)
    elif fmt == "parquet":
        table = read_parquet(raw)
    else:
        table = read_csv(raw, encoding)[0]
    if table.num_rows > MAX_ROWS:
        raise _too_many_rows()
    return table
