"""The churn label's source: each contract's due day and whether a contract renews it, by the successor
rule, with nothing recorded after the day asked about."""

from __future__ import annotations

from datetime import date

import numpy as np
from sqlalchemy.orm import Session

from lodestar.renewals.retention.service import contract_outcomes
from tests.api_fixtures import Team, team  # noqa: F401
from tests.factories import make_account, make_contract


def test_outcomes_read_the_implied_successor_and_nothing_after_the_day(
    db: Session,
    team: Team,  # noqa: F811
) -> None:
    admin = team.admin.user
    renewed, lost, late = (make_account(db, team.csm.user, admin) for _ in range(3))
    first = make_contract(db, renewed, admin, start_date=date(2024, 1, 1), end_date=date(2025, 1, 1))
    make_contract(db, renewed, admin, start_date=date(2025, 1, 10), end_date=date(2026, 1, 10))  # no chain id
    make_contract(db, lost, admin, start_date=date(2024, 3, 1), end_date=date(2025, 3, 1))
    make_contract(db, late, admin, start_date=date(2024, 2, 1), end_date=date(2025, 2, 1))
    make_contract(db, late, admin, start_date=date(2025, 2, 20), end_date=date(2026, 2, 20))

    found = contract_outcomes(db, date(2025, 2, 10))  # the late renewal had not begun by then
    by_account = {
        (int(a), str(d)): bool(r) for a, d, r in zip(found.account_id, found.due, found.renewed, strict=True)
    }
    assert by_account == {
        (renewed.id, "2025-01-01"): True,
        (renewed.id, "2026-01-10"): False,
        (lost.id, "2025-03-01"): False,
        (late.id, "2025-02-01"): False,
    }
    assert found.settle_days == 30 and first.id
    later = contract_outcomes(db, date(2025, 6, 1))
    assert bool(
        later.renewed[
            np.flatnonzero((later.account_id == late.id) & (later.due == np.datetime64("2025-02-01")))[0]
        ]
    )
