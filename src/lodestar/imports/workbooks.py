"""XLSX sheets read row by row (openpyxl's read-only mode) into batches of text columns."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa

from lodestar.imports.text import blank_to_null, cell
from lodestar.kit.errors import InvalidInput

# A workbook is a zip: a small file can unpack to gigabytes of sheet XML (a "zip bomb"). Checked from the
# zip directory before anything is unpacked; zipfile never reads an entry past its declared size.
MAX_XLSX_UNPACKED = 100 * 1024 * 1024


def _check_unpacked_size(source: BinaryIO | Path) -> None:
    try:
        with zipfile.ZipFile(source) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except zipfile.BadZipFile:
        return  # not a zip at all: openpyxl says so in its own words
    if unpacked > MAX_XLSX_UNPACKED:
        megabytes = MAX_XLSX_UNPACKED // (1024 * 1024)
        raise InvalidInput.one(
            "file", f"the workbook unpacks to more than {megabytes} MB; export the sheet as CSV instead"
        )


def sheet_tables(source: bytes | Path, sheet: str | None, rows: int) -> tuple[Iterator[pa.Table], int | None]:
    """The first (or named) sheet as tables of at most `rows` rows, and its row count as the sheet
    states it (None when it does not); the first row names the columns, empty rows are skipped."""
    from openpyxl import load_workbook

    _check_unpacked_size(io.BytesIO(source) if isinstance(source, bytes) else source)
    try:
        book = load_workbook(
            io.BytesIO(source) if isinstance(source, bytes) else source, read_only=True, data_only=True
        )
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InvalidInput.one("file", f"cannot read the workbook: {exc}") from None
    if sheet is not None and sheet not in book.sheetnames:
        book.close()
        raise InvalidInput.one("sheet", f"no sheet {sheet!r}; the workbook has {', '.join(book.sheetnames)}")
    ws = book[sheet or book.sheetnames[0]]
    total = ws.max_row - 1 if isinstance(ws.max_row, int) and ws.max_row > 1 else None
    return _tables(book, ws.iter_rows(values_only=True), rows), total


def _tables(book: Any, cells: Iterator[tuple[Any, ...]], rows: int) -> Iterator[pa.Table]:
    try:  # a read-only workbook parses the sheet's XML only now, row by row
        header = [cell(v) or f"column_{i + 1}" for i, v in enumerate(next(cells, ()))]
        columns: list[list[str | None]] = [[] for _ in header]
        held, yielded = 0, False
        for row in cells:
            if all(v is None for v in row):
                continue
            for i, values in enumerate(columns):
                values.append(cell(row[i]) if i < len(row) else None)
            held += 1
            if held == rows:
                yield _table(columns, header)
                columns, held, yielded = [[] for _ in header], 0, True
        if held or not yielded:  # a sheet without rows still names its columns
            yield _table(columns, header)
    except InvalidInput:
        raise
    except Exception as exc:  # malformed sheet XML surfaces as any of lxml's, zipfile's or openpyxl's errors
        raise InvalidInput.one("file", f"cannot read the workbook's sheet: {exc}") from None
    finally:
        book.close()


def _table(columns: list[list[str | None]], header: list[str]) -> pa.Table:
    return blank_to_null(pa.table([pa.array(c, pa.string()) for c in columns], names=header))
