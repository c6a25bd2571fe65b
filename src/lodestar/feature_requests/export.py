"""The feature-request list as a CSV file (formula-safe cells): a product team opens it in a spreadsheet."""

from __future__ import annotations

import io
from collections.abc import Callable

import pyarrow as pa
import pyarrow.csv as pcsv

from lodestar.feature_requests.schemas import RequestPage
from lodestar.kit.spreadsheet import escape_formulas


def requests_csv(page: RequestPage, status_label: Callable[[str], str]) -> bytes:
    """One row per request: status, accounts, ARR and ARR at stake (company currency), tier mix."""
    items = page.items
    tiers = ["; ".join(f"{t or '-'}: {n}" for t, n in sorted(r.figures.tiers.items())) for r in items]
    table = pa.table(
        {
            "id": pa.array([r.id for r in items], pa.int64()),
            "external_id": pa.array([r.external_id for r in items], pa.string()),
            "title": pa.array([r.title for r in items], pa.string()),
            "status": pa.array([status_label(r.status) for r in items], pa.string()),
            "accounts": pa.array([r.figures.accounts for r in items], pa.int64()),
            "arr": pa.array([str(r.figures.arr) for r in items], pa.string()),
            "arr_at_risk_or_renewing": pa.array([str(r.figures.arr_at_stake) for r in items], pa.string()),
            "currency": pa.array([page.currency] * len(items), pa.string()),
            "tiers": pa.array(tiers, pa.string()),
            "public_note": pa.array([r.public_note for r in items], pa.string()),
        }
    )
    out = io.BytesIO()
    out.write("\ufeff".encode())  # a byte-order mark, so Excel reads 中文
    pcsv.write_csv(escape_formulas(table), out)
    return out.getvalue()
