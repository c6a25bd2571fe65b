"""The successor rule on plain arrays: stored chains win, dates pair the rest one to one, nearest first."""

from __future__ import annotations

import numpy as np

from lodestar.renewals.schemas import SuccessorRule
from lodestar.renewals.succession import renewed_ids

RULE = SuccessorRule(days_before=30, days_after=30)


def _renewed(contracts: list[tuple[int, int, int, int, int, bool]]) -> dict[int, int]:
    """contracts: (id, account, start, end, stored renews or -1, open-ended) -> {id: renewed id or -1}."""
    cols = list(zip(*contracts, strict=True))
    arrays = [np.array(c, dtype=np.int64) for c in cols[:5]]
    out = renewed_ids(*arrays, np.array(cols[5], dtype=bool), RULE)
    return dict(zip(cols[0], out.tolist(), strict=True))


def test_a_lone_successor_and_a_stored_chain() -> None:
    got = _renewed([
        (1, 10, 0, 365, -1, True), (2, 10, 365, 730, -1, True),  # implied: 2 renews 1
        (3, 20, 0, 365, -1, True), (4, 20, 370, 735, 3, True),  # stored
        (5, 20, 0, 365, -1, True), (6, 20, 380, 745, -1, True),  # 6 may not renew 3 (named by 4): 5
    ])  # fmt: skip
    assert got == {1: -1, 2: 1, 3: -1, 4: 3, 5: -1, 6: 5}


def test_outside_the_tolerance_closed_or_earlier_started_contracts_are_not_successors() -> None:
    got = _renewed([
        (1, 10, 0, 365, -1, True), (2, 10, 396, 761, -1, True),  # 31 days late
        (3, 20, 0, 365, -1, False), (4, 20, 365, 730, -1, True),  # 3 churned: taken at its word
        (5, 30, 100, 365, -1, True), (6, 30, 50, 700, -1, True),  # 6 started before 5 did
        (7, 40, 0, 365, -1, True), (8, 40, 340, 360, -1, True),  # 8 ends before 7: not a renewal
    ])  # fmt: skip
    assert got == {i: -1 for i in range(1, 9)}


def test_parallel_contracts_pair_off_and_a_spare_successor_joins_its_nearest() -> None:
    got = _renewed([
        (1, 10, 0, 365, -1, True), (2, 10, 0, 365, -1, True),
        (3, 10, 365, 730, -1, True), (4, 10, 366, 731, -1, True), (5, 10, 370, 735, -1, True),
    ])  # fmt: skip
    # 3 and 4 pair with 1 and 2 (nearest first, then lower ids); 5 finds both taken and joins 1 (nearest).
    assert got == {1: -1, 2: -1, 3: 1, 4: 2, 5: 1}
