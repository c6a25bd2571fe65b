"""The renewal analysis report's contracts as CSV or XLSX, every text cell made formula-safe."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.csv as pcsv

from lodestar.kit.spreadsheet import escape_formulas
from lodestar.renewals.retention.renewal_analysis import RenewalReport

COLUMNS = (
    "period", "account_id", "account", "tier", "csm", "contract_id", "end_date", "renewal_start", "outcome",
    "currency", "due", "renewed", "expansion", "contraction", "lost", "reasons",
)  # fmt: skip


def report_table(report: RenewalReport) -> pa.Table:
    """One row per contract behind the report's figures (the report's filter applied); amounts as text
    with two decimals, so no spreadsheet turns money into binary floats."""
    rows = report.rows
    columns: dict[str, list[object]] = {
        "period": [report.period] * len(rows),
        "account_id": [r.account_id for r in rows],
        "account": [r.account for r in rows],
        "tier": [r.tier for r in rows],
        "csm": [r.csm for r in rows],
        "contract_id": [r.contract_id for r in rows],
        "end_date": [r.end_date.isoformat() for r in rows],
        "renewal_start": [r.renewal_start.isoformat() if r.renewal_start else "" for r in rows],
        "outcome": [r.outcome for r in rows],
        "currency": [report.currency] * len(rows),
        **{
            k: [str(getattr(r, k)) for r in rows]
            for k in ("due", "renewed", "expansion", "contraction", "lost")
        },
        "reasons": ["; ".join(r.reason_labels) for r in rows],
    }
    types = {"account_id": pa.int64(), "contract_id": pa.int64()}
    return pa.table({k: pa.array(columns[k], types.get(k, pa.string())) for k in COLUMNS})


def csv_bytes(report: RenewalReport) -> bytes:
    """The report's rows as UTF-8 CSV (with a BOM, so Excel reads the Chinese names right)."""
    sink = io.BytesIO()
    pcsv.write_csv(escape_formulas(report_table(report)), sink)
    return b"\xef\xbb\xbf" + sink.getvalue()


def xlsx_bytes(report: RenewalReport) -> bytes:
    """The report's rows as one XLSX sheet."""
    from openpyxl import Workbook

    table = escape_formulas(report_table(report))
    book = Workbook(write_only=True)
    sheet = book.create_sheet(report.period)
    sheet.append(list(table.column_names))
    for row in table.to_pylist():
        sheet.append([row[name] for name in table.column_names])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
