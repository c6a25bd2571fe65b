"""Reads a labelled table (CSV in UTF-8, UTF-8 with BOM or GBK; XLSX; Parquet) into a frame of raw values.

CSV cells stay text so that feature typing, not the reader, decides what "1,234" or "12%" means.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lodestar.kit.errors import InvalidInput
from lodestar.kit.text import Text

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".pq": "parquet"}


def _encoding(raw: bytes) -> str:
    """utf-8-sig when the bytes are UTF-8 (with a BOM or not), else GB18030 (a superset of GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            raw.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            continue
    raise InvalidInput.one("table", Text("the file is neither UTF-8 nor GBK"))


def read_table(path: Path) -> pd.DataFrame:
    """The table's rows as a frame; column names stripped of surrounding spaces."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise InvalidInput.one("table", Text("%(name)s: use a .csv, .xlsx or .parquet file", name=path.name))
    if not path.is_file():
        raise InvalidInput.one("table", Text("%(name)s: no such file", name=str(path)))
    try:
        if kind == "csv":
            raw = path.read_bytes()
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, encoding=_encoding(raw), skipinitialspace=True
            )
        elif kind == "xlsx":
            frame = pd.read_excel(path, dtype=object, engine="openpyxl")
        else:
            frame = pd.read_parquet(path)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InvalidInput.one(
            "table", Text("%(name)s cannot be read: %(reason)s", name=path.name, reason=str(exc))
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame
