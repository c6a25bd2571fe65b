"""Every contract as the metrics read it, as rows or as columns (re-exported by `contracts.service`): the
snapshot run reads 100,000 contracts a day, and a Python dict per contract cost it a second."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy.orm import Session

from lodestar.contracts import repository


def analytics_rows(session: Session, account_ids: Collection[int] | None = None) -> list[dict[str, Any]]:
    """Each contract's (of these accounts, or all) account, term (ending at any churn), ARR, seats, status."""
    return [
        {
            "account_id": account_id,
            "contract_id": contract_id,
            "start_date": start,
            "end_date": min(end, churned_on) if churned_on else end,
            "arr": float(arr),
            "seats": seats,
            "status": status,
        }
        for account_id, contract_id, start, end, churned_on, arr, seats, status in (
            repository.analytics_contracts(session, account_ids)
        )
    ]


def analytics_columns(session: Session, account_ids: Collection[int] | None = None) -> pa.Table:
    """analytics_rows as columns: account_id, contract_id, start_day and end_day (day numbers; the term ends
    at any churn), arr, seats, status."""
    cols = repository.analytics_contract_columns(session, account_ids)
    end, churned = cols["end"], cols["churned"]
    end = np.where(~np.isnat(churned) & (churned < end), churned, end)
    return pa.table(
        {
            "account_id": pa.array(cols["account_id"], pa.int64()),
            "contract_id": pa.array(cols["id"], pa.int64()),
            "start_day": pa.array(cols["start"].astype(np.int64), pa.int32()),
            "end_day": pa.array(end.astype(np.int64), pa.int32()),
            "arr": pa.array(cols["cents"] / 100.0, pa.float64()),
            "seats": pa.array(cols["seats"], pa.int64()),
            "status": pa.array(cols["status"].tolist(), pa.string()),
        }
    )
