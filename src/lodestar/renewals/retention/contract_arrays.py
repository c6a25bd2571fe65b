"""The contracts as numpy columns, with the day each one stops counting (its effective end).

Days are numbers since 1970-01-01. A contract counts on day d when start <= d < effective end:
- a churn date ends it that day (churned_on, when earlier than the end);
- a contract that another renews counts until its renewal starts, earlier (an early renewal or a mid-term
  upgrade: the old contract stops, it is not counted twice) or later (a late renewal: the gap is bridged,
  the customer did not churn and come back);
- otherwise it counts until its end date: a contract that ends with nothing renewing it is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

EPOCH_DAY = np.datetime64("1970-01-01", "D")
NEVER = np.iinfo(np.int64).max


def day_number(day: date) -> int:
    """The day as a number of days since 1970-01-01."""
    return int((np.datetime64(day, "D") - EPOCH_DAY).astype(np.int64))


def _days(texts: Sequence[str | None]) -> np.ndarray:
    parsed = np.array([t[:10] if t else "NaT" for t in texts], dtype="datetime64[D]")
    return (parsed - EPOCH_DAY).astype(np.int64)  # NaT stays the smallest int64


@dataclass
class ContractArrays:
    """One entry per non-cancelled contract; account attributes repeated per contract."""

    contract_id: np.ndarray
    account_id: np.ndarray
    renews: np.ndarray  # position of the renewed contract, -1 when none (or not among these rows)
    start: np.ndarray
    end: np.ndarray
    effective_end: np.ndarray
    cents: np.ndarray  # ARR in its own currency, in cents
    currency: np.ndarray  # currency codes (str)
    churn_reason: list[str | None]
    owner_id: np.ndarray  # -1 when the account has no owner
    segments: dict[str, np.ndarray]  # tier, industry, plan, region: text ("" when unset)

    def __len__(self) -> int:
        return len(self.contract_id)

    def renewer_cents(self) -> np.ndarray:
        """Per contract, the ARR (own currency, cents) of the contracts renewing it: 0 when none."""
        out = np.zeros(len(self), dtype=np.int64)
        has = self.renews >= 0
        np.add.at(out, self.renews[has], self.cents[has])
        return out

    def renewed(self) -> np.ndarray:
        """Whether some contract renews each contract."""
        out = np.zeros(len(self), dtype=bool)
        out[self.renews[self.renews >= 0]] = True
        return out


def _text(values: Sequence[Any]) -> np.ndarray:
    return np.array(["" if v is None else str(v) for v in values], dtype=object)


def build(rows: Sequence[tuple[Any, ...]]) -> ContractArrays:
    """The arrays of contracts.service.retention_columns' rows, effective ends worked out."""
    cols = list(zip(*rows, strict=True)) if rows else [()] * 15
    contract_id = np.array(cols[0], dtype=np.int64)
    order = np.argsort(contract_id)
    renews_id = np.array([-1 if v is None else v for v in cols[2]], dtype=np.int64)
    at = np.searchsorted(contract_id, renews_id, sorter=order)
    at = order[np.minimum(at, max(len(order) - 1, 0))] if len(order) else at
    found = (renews_id >= 0) & (contract_id[at] == renews_id) if len(order) else renews_id >= 0
    renews = np.where(found, at, -1)
    start, end, churned = _days(cols[3]), _days(cols[4]), _days(cols[5])
    arrays = ContractArrays(
        contract_id=contract_id,
        account_id=np.array(cols[1], dtype=np.int64),
        renews=renews,
        start=start,
        end=end,
        effective_end=end.copy(),
        cents=np.array(cols[6], dtype=np.int64),
        currency=np.array(cols[7], dtype=object),
        churn_reason=list(cols[9]),
        owner_id=np.array([-1 if v is None else v for v in cols[10]], dtype=np.int64),
        segments={
            k: _text(cols[i]) for k, i in (("tier", 11), ("industry", 12), ("plan", 13), ("region", 14))
        },
    )
    arrays.effective_end = _effective_end(arrays, churned)
    return arrays


def _effective_end(c: ContractArrays, churned: np.ndarray) -> np.ndarray:
    renewal_start = np.full(len(c), NEVER, dtype=np.int64)
    has = c.renews >= 0
    np.minimum.at(renewal_start, c.renews[has], c.start[has])
    out = np.where(renewal_start < NEVER, renewal_start, c.end)
    was_churned = churned != np.iinfo(np.int64).min
    return np.where(was_churned, np.minimum(c.end, churned), out)
