"""The lead pool as a CSV file a sales team opens in a spreadsheet (formula-safe cells)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import pyarrow as pa
import pyarrow.csv as pcsv

from lodestar.kit.spreadsheet import escape_formulas
from lodestar.renewals.winback.schemas import Lead

COLUMNS = (
    "account_id", "account", "crm_id", "owner", "churn_reason", "churned_on", "lead_since", "last_arr",
    "currency", "last_health_score", "last_health_grade", "contacts",
)  # fmt: skip


def leads_csv(leads: Sequence[Lead], reason_label: Callable[[str | None], str]) -> bytes:
    """The leads as CSV bytes (UTF-8 with a byte-order mark, so Excel reads 中文), one row per lead."""
    contacts = [
        "; ".join(" ".join(p for p in (c.name, c.email or "", c.phone or "") if p) for c in lead.contacts)
        for lead in leads
    ]
    table = pa.table(
        {
            "account_id": pa.array([lead.account_id for lead in leads], pa.int64()),
            "account": pa.array([lead.account for lead in leads], pa.string()),
            "crm_id": pa.array([lead.crm_id for lead in leads], pa.string()),
            "owner": pa.array([lead.owner for lead in leads], pa.string()),
            "churn_reason": pa.array([reason_label(lead.churn_reason) for lead in leads], pa.string()),
            "churned_on": pa.array([lead.churned_on for lead in leads], pa.date32()),
            "lead_since": pa.array([lead.lead_since for lead in leads], pa.date32()),
            "last_arr": pa.array([str(lead.arr) for lead in leads], pa.string()),
            "currency": pa.array([lead.currency for lead in leads], pa.string()),
            "last_health_score": pa.array([lead.health_score for lead in leads], pa.float64()),
            "last_health_grade": pa.array([lead.health_grade for lead in leads], pa.string()),
            "contacts": pa.array(contacts, pa.string()),
        }
    )
    out = io.BytesIO()
    out.write("\ufeff".encode())
    pcsv.write_csv(escape_formulas(table.select(list(COLUMNS))), out)
    return out.getvalue()
