"""Outcomes read from the contract chain: flat, expanded, contracted, early-renewed and churned, with the ARR
change split into renewal / expansion / contraction / churn — across currencies on the dated rate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lodestar.config import service as config_service
from lodestar.renewals.records import service
from lodestar.renewals.schemas import RenewalSettings
from tests.renewals.records.conftest import Team

START, END = date(2025, 1, 1), date(2026, 1, 1)
AFTER = date(2026, 1, 2)


def _split(renewal: object) -> tuple[Decimal | None, ...]:
    names = ("renewal_arr", "expansion_arr", "contraction_arr", "churn_arr")
    return tuple(getattr(renewal, n) for n in names)


@pytest.mark.parametrize(
    ("renewing_arr", "outcome", "split"),
    [
        ("120000", "renewed_flat", ("120000", "0", "0", "0")),
        ("150000", "expanded", ("120000", "30000", "0", "0")),
        ("90000", "contracted", ("90000", "0", "30000", "0")),
    ],
)
def test_the_renewing_contracts_arr_against_the_arr_at_stake_names_the_outcome(
    team: Team, renewing_arr: str, outcome: str, split: tuple[str, ...]
) -> None:
    account = team.account()
    old = team.contract(account, START, END)
    new = team.contract(account, END, date(2027, 1, 1), renewing_arr, renews_contract_id=old.id)
    # The renewing contract's own window opens in September 2026: only the old one opens.
    assert service.open_and_derive(team.db, AFTER) == {"opened": 1, "derived": 1}
    renewal = team.renewal_of(old)
    assert (renewal.outcome, renewal.outcome_source, renewal.renewing_contract_id) == (
        outcome,
        "contracts",
        new.id,
    )
    assert _split(renewal) == tuple(Decimal(s) for s in split)
    assert renewal.change_currency == "CNY" and renewal.closed_on == END and renewal.closed_by is None
    assert service.open_and_derive(team.db, AFTER)["derived"] == 0  # a rerun changes nothing


def test_a_renewing_contract_starting_well_before_the_end_is_an_early_renewal(team: Team) -> None:
    account = team.account()
    old = team.contract(account, START, END)
    team.contract(account, date(2025, 10, 1), date(2026, 10, 1), "130000", renews_contract_id=old.id)
    service.open_and_derive(team.db, date(2025, 10, 1))
    renewal = team.renewal_of(old)
    assert renewal.outcome == "early_renewed" and renewal.closed_on == date(2025, 10, 1)
    assert _split(renewal) == (Decimal("120000"), Decimal("10000"), Decimal("0"), Decimal("0"))


def test_a_renewal_signed_within_the_grace_before_the_end_is_an_ordinary_one(team: Team) -> None:
    account = team.account()
    old = team.contract(account, START, END)
    team.contract(account, date(2025, 12, 15), date(2026, 12, 15), renews_contract_id=old.id)  # 17 days early
    service.open_and_derive(team.db, date(2025, 12, 15))
    assert team.renewal_of(old).outcome == "renewed_flat"


def test_a_contract_that_ends_with_nothing_renewing_it_churned_with_its_recorded_reason(team: Team) -> None:
    old = team.contract(team.account(), START, END)
    old.churn_reason = "competitor"
    service.open_and_derive(team.db, END)
    assert team.renewal_of(old).outcome is None  # the last day: not yet
    service.open_and_derive(team.db, AFTER)
    renewal = team.renewal_of(old)
    assert (renewal.outcome, renewal.reasons, renewal.closed_on) == ("churned", ["competitor"], END)
    assert _split(renewal) == (Decimal("0"), Decimal("0"), Decimal("0"), Decimal("120000"))


def test_a_renewing_contract_entered_late_turns_the_churn_into_a_renewal(team: Team) -> None:
    account = team.account()
    old = team.contract(account, START, END)
    service.open_and_derive(team.db, date(2026, 1, 20))
    assert team.renewal_of(old).outcome == "churned"
    team.contract(account, END, date(2027, 1, 1), "140000", renews_contract_id=old.id)
    assert service.open_and_derive(team.db, date(2026, 1, 21))["derived"] == 1
    renewal = team.renewal_of(old)
    assert renewal.outcome == "expanded" and renewal.churn_arr == 0 and renewal.expansion_arr == 20000


def test_amounts_in_two_currencies_are_compared_in_the_company_currency_on_the_end_dates_rate(
    team: Team,
) -> None:
    settings = RenewalSettings.model_validate(
        config_service.default("renewals").model_dump()
        | {"exchange_rates": [
            {"currency": "USD", "rate": "7.00", "valid_from": "2020-01-01"},
            {"currency": "USD", "rate": "7.20", "valid_from": "2025-12-01"},
        ]}
    )  # fmt: skip
    config_service.save(team.db, "renewals", settings.model_dump(mode="json"), "test")
    flat, grown = team.account(), team.account()
    old_flat = team.contract(flat, START, END, "10000", currency="USD")
    team.contract(flat, END, date(2027, 1, 1), "72000", renews_contract_id=old_flat.id)  # 10,000 × 7.20
    old_grown = team.contract(grown, START, END, "10000", currency="USD")
    team.contract(grown, END, date(2027, 1, 1), "75000", renews_contract_id=old_grown.id)
    service.open_and_derive(team.db, AFTER)
    assert team.renewal_of(old_flat).outcome == "renewed_flat"
    renewal = team.renewal_of(old_grown)
    assert renewal.outcome == "expanded" and renewal.change_currency == "CNY"
    assert _split(renewal) == (Decimal("72000"), Decimal("3000"), Decimal("0"), Decimal("0"))
    assert (renewal.arr, renewal.currency) == (Decimal("10000"), "USD")  # at stake, as contracted


def test_a_currency_without_a_rate_leaves_the_renewal_open_rather_than_guess(team: Team) -> None:
    account = team.account()
    old = team.contract(account, START, END, "10000", currency="JPY")
    team.contract(account, END, date(2027, 1, 1), "70000", renews_contract_id=old.id)
    service.open_and_derive(team.db, AFTER)
    assert team.renewal_of(old).outcome is None


def test_a_renewal_closed_by_hand_is_left_as_closed(team: Team) -> None:
    from lodestar.renewals.records.schemas import RenewalClose

    old = team.contract(team.account(), START, END)
    service.open_and_derive(team.db, date(2025, 10, 1))
    renewal = team.renewal_of(old)
    service.close_renewal(team.db, team.csm, renewal.id, RenewalClose(outcome="expanded"), date(2025, 10, 2))
    service.open_and_derive(team.db, AFTER)  # nothing renews it and it ended: the contracts would say churned
    assert (renewal.outcome, renewal.outcome_source, renewal.closed_by) == ("expanded", "hand", team.csm.id)
