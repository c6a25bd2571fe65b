"""The ARR bridge of a window, set-based over numpy arrays: start → expansion, contraction, churn → end.

For the customers with ARR at the window's start (the starting cohort), per group of customers:
start ARR, expansion (customers whose ARR grew), contraction (shrank but stayed), churn (fell to zero),
end ARR, customers at start and kept; and, over the contracts due in the window (end date inside it and
passed), the ARR up for renewal and the part renewed (at most the ARR that was due).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from lodestar.renewals.retention.contract_arrays import ContractArrays, renewing_arr

SEGMENTS = ("tier", "industry", "plan", "region")


@dataclass
class Accounts:
    """The accounts behind the contracts, densely indexed, with what they are grouped by."""

    ids: np.ndarray  # sorted account ids
    of_contract: np.ndarray  # per contract: its account's index
    attributes: dict[
        str, np.ndarray
    ]  # per account: tier, industry, plan, region, csm, cohort, signing_quarter


def _signing(first_start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each account's signing year and signing quarter as text, formatted once per distinct value."""
    months = first_start.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    quarter_index = months // 3  # quarters since 1970-Q1
    found, inverse = np.unique(quarter_index, return_inverse=True)
    years = found // 4 + 1970
    quarters = np.array([f"{y}-Q{q % 4 + 1}" for y, q in zip(years, found, strict=True)], dtype=object)
    return years.astype(str).astype(object)[inverse], quarters[inverse]


def accounts_of(c: ContractArrays) -> Accounts:
    """Index the accounts; the cohort is the year (and quarter) of the account's first contract's start."""
    ids, of_contract = np.unique(c.account_id, return_inverse=True)
    first_contract = np.zeros(len(ids), dtype=np.int64)
    first_start = np.full(len(ids), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_start, of_contract, c.start)
    first_contract[of_contract] = np.arange(len(c))  # any one contract: account attributes are per account
    attributes = {k: c.segments[k][first_contract] for k in c.segments}  # the segments read (SEGMENTS)
    attributes["csm"] = c.owner_id[first_contract]
    attributes["cohort"], attributes["signing_quarter"] = _signing(first_start)
    return Accounts(ids, of_contract.astype(np.int64), attributes)


def group_codes(accounts: Accounts, dims: tuple[str, ...]) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Each account's group number and the groups' keys (one value per dimension), in key order; one group
    when no dims."""
    if not dims:
        return np.zeros(len(accounts.ids), dtype=np.int64), [()]
    codes = np.zeros(len(accounts.ids), dtype=np.int64)
    values = []
    for dim in dims:
        inverse, uniques = pd.factorize(accounts.attributes[dim])
        codes = codes * len(uniques) + inverse
        values.append([str(u) for u in uniques])
    used, dense = np.unique(codes, return_inverse=True)
    keys = []
    for code in used.tolist():
        key = []
        for uniques in reversed(values):
            code, at = divmod(code, len(uniques))
            key.append(uniques[at])
        keys.append(tuple(reversed(key)))
    order = sorted(range(len(keys)), key=keys.__getitem__)
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys))
    return rank[dense], [keys[i] for i in order]


@dataclass
class GroupSums:
    """Per group: amounts in company-currency cents, counts of customers and contracts."""

    start: np.ndarray
    expansion: np.ndarray
    contraction: np.ndarray
    churn: np.ndarray
    end: np.ndarray
    customers: np.ndarray
    kept: np.ndarray
    due: np.ndarray
    renewed: np.ndarray
    due_contracts: np.ndarray

    def row(self, group: int) -> dict[str, int]:
        """One group's sums as plain integers."""
        return {f.name: int(getattr(self, f.name)[group]) for f in fields(self)}


def _sum(by: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(by, weights=values, minlength=n).round().astype(np.int64)


def arr_on(c: ContractArrays, accounts: Accounts, conv: np.ndarray, day: int) -> np.ndarray:
    """Each account's ARR (cents) on the day: its contracts counting that day."""
    live = (c.start <= day) & (day < c.effective_end)
    return _sum(accounts.of_contract, np.where(live, conv, 0), len(accounts.ids))


@dataclass
class Bridge:
    """One window's movement per account (cohort only) and per contract due: sum it by any grouping."""

    per_account: dict[str, np.ndarray]  # start, expansion, contraction, churn, end, customers, kept
    per_contract: dict[str, np.ndarray]  # due, renewed, due_contracts
    of_contract: np.ndarray

    def sums(self, codes: np.ndarray, n_groups: int) -> GroupSums:
        """The bridge summed per group (codes: each account's group)."""
        if n_groups == 1:  # the totals: plain sums, no grouping pass
            every = {**self.per_account, **self.per_contract}
            return GroupSums(**{k: np.array([int(v.sum())], dtype=np.int64) for k, v in every.items()})
        by_contract = codes[self.of_contract]
        out = {k: _sum(codes, v, n_groups) for k, v in self.per_account.items()}
        out |= {k: _sum(by_contract, v, n_groups) for k, v in self.per_contract.items()}
        return GroupSums(**out)


def bridge(c: ContractArrays, accounts: Accounts, conv: np.ndarray, window: tuple[int, int, int]) -> Bridge:
    """The window (first day, day the end is measured, last due day + 1) account by account."""
    first, measured, due_until = window
    start, end = arr_on(c, accounts, conv, first), arr_on(c, accounts, conv, measured)
    cohort = start > 0
    zero = np.zeros(len(start), dtype=np.int64)
    due = (c.end >= first) & (c.end < due_until)
    renewer = renewing_arr(c, conv)
    return Bridge(
        per_account={
            "start": np.where(cohort, start, zero),
            "expansion": np.where(cohort & (end > start), end - start, zero),
            "contraction": np.where(cohort & (end > 0) & (end < start), start - end, zero),
            "churn": np.where(cohort & (end == 0), start, zero),
            "end": np.where(cohort, end, zero),
            "customers": cohort.astype(np.int64),
            "kept": (cohort & (end > 0)).astype(np.int64),
        },
        per_contract={
            "due": np.where(due, conv, 0),
            "renewed": np.where(due, np.minimum(conv, renewer), 0),
            "due_contracts": due.astype(np.int64),
        },
        of_contract=accounts.of_contract,
    )
