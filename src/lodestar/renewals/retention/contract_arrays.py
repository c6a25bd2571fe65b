"""The contracts as numpy columns, with the day each one stops counting (its effective end).

Days are numbers since 1970-01-01. A contract counts on day d when start <= d < effective end:
- a churn date ends it that day (churned_on, when earlier than the end);
- a contract that another renews (its stored `renews_contract_id`, or where the source named none, the
  successor the account and dates imply: renewals/succession.py, the rule renewal records read) counts
  until its renewal starts, earlier (an early renewal or a mid-term
  upgrade: the old contract stops, it is not counted twice) or later (a late renewal: the gap is bridged,
  the customer did not churn and come back); a contract merged with another into one renewal
  (two-into-one, `merged_ids`) counts until the contract it went into starts, like one renewed;
- otherwise it counts until its end date: a contract that ends with nothing renewing it is lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from lodestar.renewals.schemas import SuccessorRule
from lodestar.renewals.succession import CLOSED_STATUSES, merged_ids, renewed_ids

EPOCH_DAY = np.datetime64("1970-01-01", "D")
NEVER = np.iinfo(np.int64).max
NO_DAY = np.iinfo(np.int64).min  # NaT as a day number


def day_number(day: date) -> int:
    """The day as a number of days since 1970-01-01."""
    return int((np.datetime64(day, "D") - EPOCH_DAY).astype(np.int64))


def _days(days: np.ndarray) -> np.ndarray:
    return (days.astype("datetime64[D]") - EPOCH_DAY).astype(np.int64)  # NaT: NO_DAY


@dataclass
class ContractArrays:
    """One entry per non-cancelled contract; account attributes repeated per contract."""

    contract_id: np.ndarray
    account_id: np.ndarray
    renews: np.ndarray  # position of the renewed contract, -1 when none (or not among these rows)
    merged: np.ndarray  # position of the contract it was merged into at renewal, -1 when none
    start: np.ndarray
    end: np.ndarray
    effective_end: np.ndarray
    cents: np.ndarray  # ARR in its own currency, in cents
    currency: np.ndarray  # per contract: index into currencies
    currencies: list[str]  # the currency codes found
    churn_reason: Sequence[str | None]
    owner_id: np.ndarray  # -1 when the account has no owner
    segments: dict[str, np.ndarray]  # those read of tier, industry, plan, region: text ("" when unset)

    # (renewing, renewed) positions of every renewal link (see links), worked out once per build
    link_pairs: tuple[np.ndarray, np.ndarray] = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.contract_id)


def _positions(contract_id: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The position of each wanted contract id among contract_id, -1 when absent (or wanted is -1)."""
    if not len(contract_id):
        return np.full(len(wanted), -1, dtype=np.int64)
    order = np.argsort(contract_id)
    at = order[np.minimum(np.searchsorted(contract_id, wanted, sorter=order), len(order) - 1)]
    return np.where((wanted >= 0) & (contract_id[at] == wanted), at, -1)


def build(cols: Mapping[str, np.ndarray], rule: SuccessorRule) -> ContractArrays:
    """The arrays of contracts.service.retention_columns' columns, the chain completed by the successor
    rule, effective ends worked out."""
    contract_id, account_id = cols["id"], cols["account_id"]
    start, end, churned = _days(cols["start"]), _days(cols["end"]), _days(cols["churned"])
    open_ended = (churned == NO_DAY) & ~np.isin(cols["status"], CLOSED_STATUSES)
    renews = renewed_ids(contract_id, account_id, start, end, cols["renews"], open_ended, rule)
    said = cols["status"] == "renewed"
    merged = merged_ids(contract_id, account_id, start, end, renews, open_ended, rule, cols["renews"], said)
    codes, uniques = pd.factorize(cols["currency"])
    arrays = ContractArrays(
        contract_id=contract_id,
        account_id=account_id,
        renews=_positions(contract_id, renews),
        merged=_positions(contract_id, merged),
        start=start,
        end=end,
        effective_end=np.zeros(0, dtype=np.int64),
        cents=cols["cents"],
        currency=codes.astype(np.int64),
        currencies=[str(u) for u in uniques],
        churn_reason=cols["churn_reason"].tolist(),
        owner_id=cols["owner_id"],
        segments={k: cols[k] for k in ("tier", "industry", "plan", "region") if k in cols},
    )
    arrays.link_pairs = links(arrays)
    arrays.effective_end = _effective_end(arrays, churned)
    return arrays


def links(c: ContractArrays) -> tuple[np.ndarray, np.ndarray]:
    """(renewing, renewed) positions of every renewal link: a contract renewing another, and a contract
    merged into one (the renewing contract is then the one it went into)."""
    has, into = c.renews >= 0, c.merged >= 0
    renewing = np.concatenate([np.flatnonzero(has), c.merged[into]])
    return renewing, np.concatenate([c.renews[has], np.flatnonzero(into)])


def renewing_arr(c: ContractArrays, conv: np.ndarray) -> np.ndarray:
    """Per contract, the ARR renewing it (same unit as conv): the sum of its renewing contracts' ARR, each
    shared among the contracts it renews in proportion to their ARR (two merged into one renew their sum)."""
    renewing, renewed = c.link_pairs
    value = conv[renewing].astype(np.float64)
    if len(c.merged) and (c.merged >= 0).any():  # only a merge shares a renewing contract's ARR
        stake = np.bincount(renewing, weights=conv[renewed], minlength=len(c))
        alone = np.bincount(renewing, minlength=len(c)) <= 1
        value = np.where(alone[renewing], value, value * conv[renewed] / np.maximum(stake[renewing], 1))
    return np.bincount(renewed, weights=value, minlength=len(c)).round().astype(np.int64)


def renewal_starts(c: ContractArrays) -> np.ndarray:
    """Per contract, the earliest start of the contracts renewing it (NEVER when none)."""
    renewing, renewed = c.link_pairs
    out = np.full(len(c), NEVER, dtype=np.int64)
    np.minimum.at(out, renewed, c.start[renewing])
    return out


def _effective_end(c: ContractArrays, churned: np.ndarray) -> np.ndarray:
    renewal_start = renewal_starts(c)
    out = np.where(renewal_start < NEVER, renewal_start, c.end)
    return np.where(churned != NO_DAY, np.minimum(c.end, churned), out)
