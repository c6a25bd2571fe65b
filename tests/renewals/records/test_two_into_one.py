"""Two contracts merged into one at renewal (two-into-one): one renewal of their sum, for the successor rule,
the renewal records and retention alike — never one renewed and one churned."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
from sqlalchemy.orm import Session

from lodestar.auth.models import Role
from lodestar.contracts.models import Contract
from lodestar.renewals.records import service as records_service
from lodestar.renewals.retention import service as retention_service
from lodestar.renewals.retention.renewal_analysis import ReportFilter
from lodestar.renewals.retention.schemas import RetentionQuery
from lodestar.renewals.schemas import SuccessorRule
from lodestar.renewals.succession import merged_ids, renewed_ids
from tests.renewals.records.conftest import Team

RULE = SuccessorRule(days_before=30, days_after=30)
D = date


def _links(
    rows: list[tuple[int, int, int, int, int, bool]], said: tuple[int, ...] = ()
) -> tuple[dict[int, int], dict[int, int]]:
    """rows: (id, account, start, end, stored renews or -1, open-ended); said: the ids whose status says
    renewed."""
    cols = list(zip(*rows, strict=True))
    ids, accounts, starts, ends, stored = (np.array(c, dtype=np.int64) for c in cols[:5])
    open_ended = np.array(cols[5], dtype=bool)
    renews = renewed_ids(ids, accounts, starts, ends, stored, open_ended, RULE)
    said_renewed = np.isin(ids, said)
    merged = merged_ids(ids, accounts, starts, ends, renews, open_ended, RULE, stored, said_renewed)
    return dict(zip(cols[0], renews.tolist(), strict=True)), dict(zip(cols[0], merged.tolist(), strict=True))


def test_a_contract_left_alone_is_merged_into_the_nearest_renewal_of_its_account() -> None:
    renews, merged = _links([
        (1, 10, 0, 365, -1, True), (2, 10, 40, 372, -1, True), (3, 10, 365, 730, 1, True),  # stored 3->1
        (4, 20, 0, 365, -1, True), (5, 20, 10, 360, -1, True), (6, 20, 366, 731, -1, True),  # implied
        (7, 30, 0, 365, -1, False), (8, 30, 0, 365, -1, True), (9, 30, 365, 730, -1, True),  # 7 churned
        (11, 40, 0, 365, -1, True), (12, 40, 0, 300, -1, True), (13, 40, 365, 730, -1, True),  # 12: too early
    ], said=(2,))  # fmt: skip
    assert renews == {1: -1, 2: -1, 3: 1, 4: -1, 5: -1, 6: 4, 7: -1, 8: -1, 9: 8, 11: -1, 12: -1, 13: 11}
    # 2 ends 7 days after 3 starts and its source says renewed; 5 ends 6 days before 6 starts; 7 ended
    # unrenewed by its own word; 12 ended 65 days before 13 started (beyond the 30 days of the rule).
    assert merged == {1: -1, 2: 3, 3: -1, 4: -1, 5: 6, 6: -1, 7: -1, 8: -1, 9: -1, 11: -1, 12: -1, 13: -1}
    # Without the source's word a contract that names what it renews renews only that one (2: churned).
    assert _links([(1, 10, 0, 365, -1, True), (2, 10, 40, 372, -1, True), (3, 10, 365, 730, 1, True)])[1] == {
        1: -1,
        2: -1,
        3: -1,
    }


def _merged_company(team: Team, new_arr: str) -> tuple[int, int, int]:
    account = team.account(tier="KA")
    first = team.contract(account, D(2025, 1, 15), D(2026, 1, 15), "60000")
    # No contract names it; the source says it was renewed (into the contract that names the first one).
    second = team.contract(account, D(2025, 4, 1), D(2026, 1, 20), "40000", status="renewed")
    merged = team.contract(account, D(2026, 1, 15), D(2027, 1, 15), new_arr, renews_contract_id=first.id)
    return first.id, second.id, merged.id


def test_the_two_renewal_records_share_the_renewing_arr_by_their_arr_at_stake(team: Team) -> None:
    first, second, merged = _merged_company(team, "130000")  # 100,000 at stake, renewed at 130,000
    records_service.open_and_derive(team.db, D(2026, 2, 1))
    got = {}
    for contract_id in (first, second):
        r = team.renewal_of(team.db.get_one(Contract, contract_id))
        got[contract_id] = (r.outcome, r.renewing_contract_id, r.renewal_arr, r.expansion_arr, r.churn_arr)
    assert got == {
        first: ("expanded", merged, Decimal("60000.00"), Decimal("18000.00"), Decimal("0.00")),
        second: ("expanded", merged, Decimal("40000.00"), Decimal("12000.00"), Decimal("0.00")),
    }
    # One renewal of the sum: 100,000 renewed, 30,000 expansion, nothing churned.


def test_a_flat_merge_is_renewed_flat_and_an_odd_cent_goes_to_the_named_contract(team: Team) -> None:
    first, second, _ = _merged_company(team, "100000")
    records_service.open_and_derive(team.db, D(2026, 2, 1))
    outcomes = {i: team.renewal_of(team.db.get_one(Contract, i)).outcome for i in (first, second)}
    assert outcomes == {first: "renewed_flat", second: "renewed_flat"}
    account = team.account()
    a = team.contract(account, D(2025, 1, 1), D(2026, 1, 1), "100.00")
    b = team.contract(account, D(2025, 2, 1), D(2026, 1, 1), "200.00", status="renewed")
    team.contract(account, D(2026, 1, 1), D(2027, 1, 1), "100.01", renews_contract_id=a.id)
    records_service.open_and_derive(team.db, D(2026, 2, 1))
    shares = [team.renewal_of(team.db.get_one(Contract, i)).renewal_arr for i in (a.id, b.id)]
    # 100.01 x 1/3 and x 2/3: the contract the renewal names takes the odd cent
    assert shares == [Decimal("33.34"), Decimal("66.67")]
    assert sum(shares) == Decimal("100.01")


def test_retention_counts_the_merge_as_one_renewal_of_the_sum(db: Session, team: Team) -> None:
    _merged_company(team, "130000")
    query = RetentionQuery(period="quarter", first=D(2026, 1, 1), last=D(2026, 3, 31))
    figures = retention_service.retention(db, team.admin, query, D(2026, 6, 30)).totals[0].figures
    assert (figures.start_arr, figures.end_arr, figures.expansion, figures.churn) == (
        Decimal("100000.00"),
        Decimal("130000.00"),
        Decimal("30000.00"),
        Decimal("0.00"),
    )
    # Both old contracts fell due in Q1 2026 (01-15 and 01-20): 100,000 due, all of it renewed.
    assert (figures.arr_up_for_renewal, figures.arr_renewed, figures.renewal_rate) == (
        Decimal("100000.00"),
        Decimal("100000.00"),
        Decimal("1.0000"),
    )
    report = retention_service.renewal_report(db, team.admin, ReportFilter(period="2026-Q1"), D(2026, 6, 30),
                                              False)  # fmt: skip
    assert {(r.outcome, r.renewed, r.expansion, r.lost) for r in report.rows} == {
        ("expanded", Decimal("60000.00"), Decimal("18000.00"), Decimal("0.00")),
        ("expanded", Decimal("40000.00"), Decimal("12000.00"), Decimal("0.00")),
    }
    csm = retention_service.retention(db, team.csm, query, D(2026, 6, 30)).totals[0].figures
    assert csm.renewal_rate == Decimal("1.0000")  # the CSM owns the account: the same figures
    assert team.csm.role == Role.CSM
