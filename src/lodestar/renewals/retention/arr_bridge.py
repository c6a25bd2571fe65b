"""The ARR bridge of a window, set-based over numpy arrays: start → expansion, contraction, churn → end.

For the customers with ARR at the window's start (the starting cohort), per group of customers:
start ARR, expansion (customers whose ARR grew), contraction (shrank but stayed), churn (fell to zero),
end ARR, customers at start and kept; and, over the contracts due in the window (end date inside it and
passed), the ARR up for renewal and the part renewed (at most the ARR that was due).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from lodestar.renewals.retention.contract_arrays import ContractArrays

SEGMENTS = ("tier", "industry", "plan", "region")


@dataclass
class Accounts:
    """The accounts behind the contracts, densely indexed, with what they are grouped by."""

    ids: np.ndarray  # sorted account ids
    of_contract: np.ndarray  # per contract: its account's index
    attributes: dict[
        str, np.ndarray
    ]  # per account: tier, industry, plan, region, csm, cohort, signing_quarter


def accounts_of(c: ContractArrays) -> Accounts:
    """Index the accounts; the cohort is the year (and quarter) of the account's first contract's start."""
    ids, of_contract = np.unique(c.account_id, return_inverse=True)
    first_contract = np.full(len(ids), -1, dtype=np.int64)
    first_start = np.full(len(ids), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_start, of_contract, c.start)
    first_contract[of_contract] = np.arange(len(c))  # any one contract: account attributes are per account
    signed = first_start.astype("datetime64[D]")
    years = signed.astype("datetime64[Y]").astype(np.int64) + 1970
    months = signed.astype("datetime64[M]").astype(np.int64) % 12
    attributes = {k: c.segments[k][first_contract] for k in SEGMENTS}
    attributes["csm"] = c.owner_id[first_contract].astype(str)
    attributes["cohort"] = years.astype(str)
    attributes["signing_quarter"] = np.char.add(
        np.char.add(years.astype(str), "-Q"), (months // 3 + 1).astype(str)
    )
    return Accounts(ids, of_contract.astype(np.int64), attributes)


def group_codes(accounts: Accounts, dims: tuple[str, ...]) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Each account's group number and the groups' keys (one value per dimension); one group when no dims."""
    if not dims:
        return np.zeros(len(accounts.ids), dtype=np.int64), [()]
    codes = np.zeros(len(accounts.ids), dtype=np.int64)
    values = []
    for dim in dims:
        uniques, inverse = np.unique(accounts.attributes[dim].astype(str), return_inverse=True)
        codes = codes * len(uniques) + inverse
        values.append(uniques)
    used, dense = np.unique(codes, return_inverse=True)
    keys = []
    for code in used:
        key = []
        for uniques in reversed(values):
            code, at = divmod(int(code), len(uniques))
            key.append(str(uniques[at]))
        keys.append(tuple(reversed(key)))
    return dense.astype(np.int64), keys


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


def window_sums(
    c: ContractArrays, accounts: Accounts, codes: np.ndarray, n_groups: int, conv: np.ndarray,
    window: tuple[int, int, int],
) -> GroupSums:  # fmt: skip
    """The bridge per group over window (first day, day the end is measured, last due day + 1)."""
    first, measured, due_until = window
    start, end = arr_on(c, accounts, conv, first), arr_on(c, accounts, conv, measured)
    cohort = start > 0
    grown = cohort & (end > start)
    shrunk = cohort & (end > 0) & (end < start)
    lost = cohort & (end == 0)
    group = codes
    due = (c.end >= first) & (c.end < due_until)
    renewer = np.zeros(len(c), dtype=np.int64)
    has = c.renews >= 0
    np.add.at(renewer, c.renews[has], conv[has])
    contract_group = codes[accounts.of_contract]
    return GroupSums(
        start=_sum(group, np.where(cohort, start, 0), n_groups),
        expansion=_sum(group, np.where(grown, end - start, 0), n_groups),
        contraction=_sum(group, np.where(shrunk, start - end, 0), n_groups),
        churn=_sum(group, np.where(lost, start, 0), n_groups),
        end=_sum(group, np.where(cohort, end, 0), n_groups),
        customers=_sum(group, cohort.astype(np.int64), n_groups),
        kept=_sum(group, (cohort & (end > 0)).astype(np.int64), n_groups),
        due=_sum(contract_group, np.where(due, conv, 0), n_groups),
        renewed=_sum(contract_group, np.where(due, np.minimum(conv, renewer), 0), n_groups),
        due_contracts=_sum(contract_group, due.astype(np.int64), n_groups),
    )
