"""The renewals pipeline as a CSV or XLSX file: one row per open renewal, every text cell formula-safe."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import pyarrow as pa
import pyarrow.csv as pcsv

from lodestar.kit.errors import InvalidInput
from lodestar.kit.spreadsheet import escape_formulas
from lodestar.renewals.currency import ExchangeRates

Format = Literal["csv", "xlsx"]
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _company(rates: ExchangeRates, amount: Decimal, currency: str, on: date) -> float | None:
    try:
        return float(rates.convert(amount, currency, on))
    except InvalidInput:
        return None  # no rate: the cell stays empty rather than a guess


def table(
    renewals: Sequence[Any], accounts: dict[int, str], people: dict[int, str], rates: ExchangeRates
) -> pa.Table:
    """The export's columns, formula-safe."""
    company = f"arr_{rates.company_currency.lower()}"
    columns: dict[str, list[Any]] = {
        "renewal_id": [r.id for r in renewals],
        "account_id": [r.account_id for r in renewals],
        "account": [accounts.get(r.account_id, "") for r in renewals],
        "owner": [people.get(r.owner_id, "") if r.owner_id else "" for r in renewals],
        "contract_end": [r.contract_end for r in renewals],
        "month": [r.contract_end.strftime("%Y-%m") for r in renewals],
        "forecast": [r.forecast or "" for r in renewals],
        "arr": [float(r.arr) for r in renewals],
        "currency": [r.currency for r in renewals],
        company: [_company(rates, r.arr, r.currency, r.contract_end) for r in renewals],
        "likelihood": [r.likelihood for r in renewals],
        "next_step": [r.next_step or "" for r in renewals],
    }
    money = pa.float64()
    types = {"contract_end": pa.date32(), "arr": money, company: money, "likelihood": money}
    types |= {"renewal_id": pa.int64(), "account_id": pa.int64()}
    arrays = [pa.array(v, type=types.get(k, pa.string())) for k, v in columns.items()]
    return escape_formulas(pa.table(arrays, names=list(columns)))


def to_bytes(data: pa.Table, fmt: Format) -> bytes:
    """The table as CSV (UTF-8 with a BOM, so Excel reads Chinese names) or as an XLSX workbook."""
    if fmt == "csv":
        out = io.BytesIO()
        pcsv.write_csv(data, out)
        return b"\xef\xbb\xbf" + out.getvalue()
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("renewals")
    sheet.append(data.column_names)
    for row in data.to_pylist():
        sheet.append(list(row.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
