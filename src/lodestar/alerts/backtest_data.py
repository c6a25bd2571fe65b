"""What the alert backtest reads, as arrays: the customers watched on each date, their rules' signals, the
churns that followed, and who owns the accounts.

Pairs of (account, day) are kept as one sorted int64 key, account * SPAN + day number, so "is there a date
of this account in [low, high)" is one searchsorted over all accounts at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.alerts.episode_simulation import day_numbers
from lodestar.alerts.schemas import AlertRules
from lodestar.alerts.signal_history import signal_history
from lodestar.analytics import snapshot_store
from lodestar.contracts import service as contracts_service
from lodestar.kit.progress import Progress, silent
from lodestar.kit.time import day_number

SPAN = 1 << 20  # more day numbers than any date reaches (year 4840)
NOT_CUSTOMERS = (None, "churned", "lead_pool")  # as the health backtest: only customers are watched


@dataclass(frozen=True)
class History:
    """The backtest's inputs over a range of snapshot dates."""

    dates: int
    grid: np.ndarray  # the dates' day numbers, sorted
    horizon: int
    weeks: float  # the range's length in weeks (one date's spacing added for the last date)
    signals: pa.Table  # (as_of, rule_key, account_id) of customers watched on the date
    watched: int  # distinct customers watched
    churned: np.ndarray  # accounts that churned within the horizon of a date they were watched, once each
    churn_day: np.ndarray  # ... their (first such) churn, as a day number
    churn_end: np.ndarray  # ... and the end of the contract that churned
    churn_keys: np.ndarray  # sorted keys (account, churn day) of every churn
    owned: np.ndarray  # watched accounts with an owner, sorted
    owner_index: np.ndarray  # ... the index of each one's owner in csms
    csms: np.ndarray  # the owners of watched customers


def first_in(keys: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """For each [low, high), the index of the first sorted key inside it, or -1."""
    if len(keys) == 0:
        return np.full(len(low), -1, np.int64)
    at = np.searchsorted(keys, low, side="left")
    inside = (at < len(keys)) & (keys[np.minimum(at, len(keys) - 1)] < high)
    return np.where(inside, at, -1)


def _watched(root: Path, days: Sequence[date]) -> np.ndarray:
    """Sorted keys (account, day) of the customers in each date's snapshot."""
    parts = []
    for day in days:
        table = snapshot_store.read(root, day, columns=["account_id", "stage"])
        if table is None:
            continue
        stage = table.column("stage")
        customer = pc.invert(pc.fill_null(pc.is_in(stage, pa.array([s for s in NOT_CUSTOMERS if s])), True))
        ids = table.column("account_id").filter(customer).to_numpy().astype(np.int64)
        parts.append(ids * SPAN + day_number(day))
    return np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)


def _churns(session: Session, watched: np.ndarray, horizon: int) -> tuple[np.ndarray, ...]:
    """(accounts, churn day, contract end) of the churns within the horizon of a date the account was
    watched (the first per account), and the sorted keys of every churn."""
    rows = contracts_service.churns(session)
    acc = np.array([a for a, _, _ in rows], np.int64)
    churn = np.array([day_number(c) for _, c, _ in rows], np.int64)
    end = np.array([day_number(e) for _, _, e in rows], np.int64)
    seen = first_in(watched, acc * SPAN + churn - horizon, acc * SPAN + churn) >= 0
    acc, churn, end = acc[seen], churn[seen], end[seen]
    order = np.lexsort((churn, acc))
    acc, churn, end = acc[order], churn[order], end[order]
    first = np.concatenate([[True], acc[1:] != acc[:-1]]) if len(acc) else np.zeros(0, bool)
    every = np.sort(np.array([a * SPAN + day_number(c) for a, c, _ in rows], np.int64))
    return acc[first], churn[first], end[first], every


def _owners(session: Session, accounts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    facts = accounts_service.owner_tier_stage(session, [int(a) for a in accounts])
    owned = np.array(sorted(a for a, f in facts.items() if f[0] is not None), np.int64)
    owner = np.array([facts[int(a)][0] for a in owned], np.int64)
    csms, index = np.unique(owner, return_inverse=True)
    return owned, index.astype(np.int64), csms


def _weeks(grid: np.ndarray) -> float:
    step = float(np.median(np.diff(grid))) if len(grid) > 1 else 7.0
    return (float(grid[-1] - grid[0]) + step) / 7


def history(
    session: Session,
    root: Path,
    rules: AlertRules,
    days: Sequence[date],
    horizon: int,
    progress: Progress = silent,
) -> History:
    """The backtest's inputs over these snapshot dates."""
    watched = _watched(root, days)
    signals = signal_history(session, root, rules, days, progress)
    keys = signals.column("account_id").to_numpy().astype(np.int64) * SPAN + pc.cast(
        signals.column("as_of"), pa.int32()
    ).to_numpy().astype(np.int64)
    at = np.searchsorted(watched, keys)
    kept = (
        (at < len(watched)) & (watched[np.minimum(at, max(len(watched) - 1, 0))] == keys)
        if len(watched)
        else None
    )
    signals = signals.filter(pa.array(kept)) if kept is not None else signals.slice(0, 0)
    churned, churn_day, churn_end, churn_keys = _churns(session, watched, horizon)
    accounts = np.unique(watched // SPAN)
    owned, owner_index, csms = _owners(session, accounts)
    grid = day_numbers(days)
    return History(
        len(days),
        grid,
        horizon,
        _weeks(grid),
        signals,
        len(accounts),
        churned,
        churn_day,
        churn_end,
        churn_keys,
        owned,
        owner_index,
        csms,
    )
