"""Contracts stored without `renews_contract_id` (a CRM export): the successor is read from the account and
the dates, the same way for renewal records and for retention, so both say the same of each contract."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lodestar.config import service as config_service
from lodestar.renewals import config_kind
from lodestar.renewals.records import service
from lodestar.renewals.retention import service as retention_service
from lodestar.renewals.retention.renewal_analysis import ReportFilter
from lodestar.renewals.retention.schemas import RetentionQuery
from tests.renewals.records.conftest import Team

START, END = date(2025, 1, 1), date(2026, 1, 1)
LATER = date(2026, 4, 1)


def _split(renewal: object) -> tuple[Decimal | None, ...]:
    names = ("renewal_arr", "expansion_arr", "contraction_arr", "churn_arr")
    return tuple(getattr(renewal, n) for n in names)


def _amounts(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


def test_a_next_contract_starting_at_the_end_renews_it_without_a_chain_id(team: Team) -> None:
    account = team.account()
    old = team.contract(account, START, END)
    new = team.contract(account, END, date(2027, 1, 1), "150000")  # no renews_contract_id
    service.open_and_derive(team.db, LATER)
    renewal = team.renewal_of(old)
    assert (renewal.outcome, renewal.renewing_contract_id) == ("expanded", new.id)
    assert _split(renewal) == _amounts("120000", "30000", "0", "0")


def test_within_the_tolerance_a_late_start_renews_and_beyond_it_the_contract_churned(team: Team) -> None:
    late, gone = team.account(), team.account()
    old_late = team.contract(late, START, END)
    team.contract(late, date(2026, 1, 31), date(2027, 1, 31))  # 30 days after the end: the default bound
    old_gone = team.contract(gone, START, END)
    team.contract(gone, date(2026, 2, 1), date(2027, 2, 1))  # 31 days after: a new sale, not a renewal
    service.open_and_derive(team.db, LATER)
    assert team.renewal_of(old_late).outcome == "renewed_flat"
    assert team.renewal_of(old_gone).outcome == "churned"


def test_the_tolerance_is_the_renewals_configurations(team: Team) -> None:
    settings, _ = config_kind.current(team.db)
    narrow = settings.model_dump(mode="json") | {"successor": {"days_before": 0, "days_after": 5}}
    config_service.save(team.db, "renewals", narrow, "test")
    late, early = team.account(), team.account()
    old_late = team.contract(late, START, END)
    team.contract(late, date(2026, 1, 10), date(2027, 1, 10))  # 9 days late: now beyond the bound
    old_early = team.contract(early, START, END)
    team.contract(early, date(2025, 12, 20), date(2026, 12, 20))  # 12 days early: before is 0 now
    service.open_and_derive(team.db, LATER)
    assert team.renewal_of(old_late).outcome == "churned"
    assert team.renewal_of(old_early).outcome == "churned"


def test_a_source_that_says_the_contract_churned_is_taken_at_its_word(team: Team) -> None:
    expired, left = team.account(), team.account()
    old_expired = team.contract(expired, START, END, status="expired")
    team.contract(expired, END, date(2027, 1, 1))
    old_left = team.contract(left, START, END)
    old_left.churned_on = date(2025, 12, 31)
    team.contract(left, END, date(2027, 1, 1))
    service.open_and_derive(team.db, LATER)
    assert team.renewal_of(old_expired).outcome == "churned"
    assert team.renewal_of(old_left).outcome == "churned"


def test_two_parallel_contracts_pair_off_with_the_two_that_follow_them(team: Team) -> None:
    account = team.account()
    seats = team.contract(account, START, END, "100000")
    addon = team.contract(account, START, END, "20000")
    new_seats = team.contract(account, END, date(2027, 1, 1), "100000")
    new_addon = team.contract(account, END, date(2027, 1, 1), "20000")
    service.open_and_derive(team.db, LATER)
    got = {
        c.id: (team.renewal_of(c).outcome, team.renewal_of(c).renewing_contract_id) for c in (seats, addon)
    }
    assert got == {seats.id: ("renewed_flat", new_seats.id), addon.id: ("renewed_flat", new_addon.id)}


def test_a_contract_split_in_two_adds_up_their_arr(team: Team) -> None:
    account = team.account()
    old = team.contract(account, START, END, "100000")
    team.contract(account, END, date(2027, 1, 1), "70000")
    team.contract(account, date(2026, 1, 5), date(2027, 1, 5), "50000")
    service.open_and_derive(team.db, LATER)
    renewal = team.renewal_of(old)
    assert renewal.outcome == "expanded"
    assert _split(renewal) == _amounts("100000", "20000", "0", "0")


def test_a_contract_that_names_what_it_renews_is_never_read_as_the_renewal_of_another(team: Team) -> None:
    account = team.account()
    first = team.contract(account, START, END)
    second = team.contract(account, START, END, "50000")
    team.contract(account, END, date(2027, 1, 1), renews_contract_id=first.id)
    service.open_and_derive(team.db, LATER)
    assert team.renewal_of(first).outcome == "renewed_flat"
    assert team.renewal_of(second).outcome == "churned"


def test_retention_reads_the_same_successor_so_its_figures_agree_with_the_records(team: Team) -> None:
    """A renewal that starts 20 days late: December's cohort keeps the customer (the gap is bridged) and
    the renewal analysis calls the contract what its renewal record says."""
    account = team.account()
    old = team.contract(account, date(2024, 12, 20), date(2025, 12, 20), "120000")
    new = team.contract(account, date(2026, 1, 9), date(2027, 1, 9), "90000")
    service.open_and_derive(team.db, LATER)
    renewal = team.renewal_of(old)
    assert (renewal.outcome, renewal.renewing_contract_id) == ("contracted", new.id)
    assert _split(renewal) == _amounts("90000", "0", "30000", "0")

    query = RetentionQuery.model_validate({"period": "month", "from": "2025-12-01", "to": "2025-12-31"})
    december = retention_service.retention(team.db, team.admin, query, LATER).totals[0].figures
    # On 2026-01-01 the old contract still counts (until its renewal starts): nobody churned in December.
    assert (december.start_arr, december.end_arr, december.churn) == _amounts("120000", "120000", "0")
    assert (december.arr_up_for_renewal, december.arr_renewed) == _amounts("120000", "90000")
    report = retention_service.renewal_report(
        team.db, team.admin, ReportFilter(period="2025-12"), LATER, False
    )
    [row] = report.rows
    assert (row.contract_id, row.outcome, row.renewal_start) == (old.id, renewal.outcome, new.start_date)
    assert (row.renewed, row.contraction, row.lost) == (
        renewal.renewal_arr,
        renewal.contraction_arr,
        renewal.churn_arr,
    )
