"""When each account hit the purchase-intent target: an expansion, any new contract, or a tracked event.

An occurrence is (account id, day number since 1970-01-01). The target is what sales wants to know ahead of
time, so each kind is read from what the company already records:
- `expansion`: a contract that raises the account's ARR — a renewal (by chain id, or the successor rule of
  the renewal records) whose ARR is above the contract it renews in the same currency, or a contract that
  starts while another of the account's contracts still counts (an add-on);
- `contract`: any contract that starts (renewals included, the account's very first one excluded);
- `event`: a tracked event of the configured name (e.g. `Order Completed`), one occurrence per day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.analytics import event_store
from lodestar.contracts import service as contracts_service
from lodestar.intent.schemas import IntentTarget
from lodestar.renewals import config_kind as renewals_config
from lodestar.renewals.retention import contract_arrays
from lodestar.renewals.retention.contract_arrays import ContractArrays

EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Occurrences:
    """Each time an account hit the target, sorted by account then day."""

    account_id: np.ndarray
    day: np.ndarray

    @classmethod
    def of(cls, account_id: np.ndarray, day: np.ndarray) -> Occurrences:
        order = np.lexsort((day, account_id))
        return cls(account_id[order].astype(np.int64), day[order].astype(np.int64))


def day_number(day: date) -> int:
    """Days since 1970-01-01."""
    return (day - EPOCH).days


def _contracts(session: Session) -> ContractArrays:
    rule = renewals_config.current(session)[0].successor
    return contract_arrays.build(contracts_service.retention_columns(session), rule)


def _add_ons(c: ContractArrays) -> np.ndarray:
    """True for each contract with no predecessor that starts while another contract of the account counts."""
    frame = pd.DataFrame({"account": c.account_id, "start": c.start, "end": c.effective_end})
    frame["row"] = np.arange(len(frame))
    pairs = frame.merge(frame, on="account", suffixes=("", "_other"))
    live = (pairs["row"] != pairs["row_other"]) & (pairs["start_other"] <= pairs["start"])
    live &= pairs["start"] < pairs["end_other"]
    found = np.zeros(len(frame), dtype=bool)
    found[pairs.loc[live, "row"].to_numpy()] = True
    return found & (c.renews < 0)


def expansions(c: ContractArrays) -> Occurrences:
    """Renewals above what they renew (same currency) and add-ons."""
    has = c.renews >= 0
    previous = np.where(has, c.renews, 0)
    raised = has & (c.currency == c.currency[previous]) & (c.cents > c.cents[previous])
    hit = raised | _add_ons(c)
    return Occurrences.of(c.account_id[hit], c.start[hit])


def new_contracts(c: ContractArrays) -> Occurrences:
    """Every contract start but each account's first."""
    frame = pd.DataFrame({"account": c.account_id, "start": c.start})
    first = frame.groupby("account")["start"].transform("min").to_numpy()
    later = c.start > first
    return Occurrences.of(c.account_id[later], c.start[later])


def tracked(session: Session, events_dir: Path, name: str, first: date, last: date) -> Occurrences:
    """The days (first..last) on which each account fired the named track event."""
    files = [str(f) for f in event_store.files_between(events_dir, first, last)]
    if not files:
        return Occurrences.of(np.zeros(0, np.int64), np.zeros(0, np.int64))
    with duckdb.connect() as connection:
        connection.execute("SET enable_progress_bar = false")  # stdout is the command's output
        found = connection.execute(
            "SELECT group_id, list(DISTINCT CAST(timezone('UTC', timestamp) AS DATE)) "
            "FROM read_parquet($files) WHERE type = 'track' AND event = $name AND group_id IS NOT NULL "
            "GROUP BY group_id",
            {"files": files, "name": name},
        ).fetchall()
    ids = accounts_service.account_ids_by(session, "segment_group_id", [g for g, _ in found])
    accounts, days = [], []
    for group, on in found:
        if group in ids:
            accounts += [ids[group]] * len(on)
            days += [day_number(d) for d in on]
    return Occurrences.of(np.array(accounts, np.int64), np.array(days, np.int64))


def occurrences(
    session: Session, events_dir: Path, target: IntentTarget, first: date, last: date
) -> Occurrences:
    """Each time an account hit the target (events: only first..last are read; contracts: all)."""
    if target.kind == "event":
        return tracked(session, events_dir, target.event or "", first, last)
    contracts = _contracts(session)
    return expansions(contracts) if target.kind == "expansion" else new_contracts(contracts)
