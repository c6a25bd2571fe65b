"""Renewal window opened and contract ending with no renewal, on hand-made contracts and snapshots."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from lodestar.accounts.models import Account
from lodestar.contracts import service as contracts_service
from lodestar.contracts.models import Contract
from tests.alerts.conftest import AS_OF, Company, rule
from tests.factories import make_contract

OPENED = "renewal window opened: the contract ends on %(date)s, in %(days)s days"
ENDING = "contract ends on %(date)s, in %(days)s days, with no renewal"


def later(days: int) -> date:
    return AS_OF + timedelta(days=days)


def test_renewal_window_opened_since_the_date_the_window_starts(company: Company) -> None:
    opened, inside, newcomer, undated, outside = (company.account().id for _ in range(5))
    window = {"in_renewal_window": True}
    company.snapshot(AS_OF - timedelta(days=7), {opened: {}, inside: window, undated: {}, outside: {}})
    company.snapshot(
        AS_OF,
        {
            opened: {**window, "days_to_end": 120},
            inside: {**window, "days_to_end": 100},
            newcomer: {**window, "days_to_end": 110},
            undated: {**window, "days_to_end": None},
            outside: {},
        },
    )
    found = company.evaluate(rule("renewal", {"kind": "renewal_window", "within_days": 7}))
    assert found["renewal"] == {
        opened: [{"msgid": OPENED, "values": {"date": "2026-10-28", "days": 120}}],
        newcomer: [{"msgid": OPENED, "values": {"date": "2026-10-18", "days": 110}}],
        undated: [{"msgid": "renewal window opened", "values": {}}],
    }
    # Nothing stored from 27 days back to 20: it cannot say whether the window opened since.
    assert company.evaluate(rule("renewal", {"kind": "renewal_window", "within_days": 20})) == {}


def test_contract_ending_with_nothing_after_it(company: Company) -> None:
    db, admin = company.db, company.admin
    accounts: dict[str, Account] = {}

    def contract(name: str, start: date, end: date, **fields: Any) -> Contract:
        account = accounts.setdefault(name, company.account(name=name))
        return make_contract(db, account, admin, start_date=start, end_date=end, today=AS_OF, **fields)

    year_ago = date(2025, 7, 20)
    contract("alone", year_ago, later(20))
    renewed = contract("renewed", year_ago, later(20))
    contract("renewed", later(60), later(400), renews_contract_id=renewed.id)  # linked, however late
    contract("followed", year_ago, later(20))
    contract("followed", later(40), later(400))  # starts within the chain gap of 31 days
    contract("later", year_ago, later(40))  # ends after the 30 days
    contract("churned", year_ago, later(10))
    contracts_service.record_churn(
        db, [{"account_id": accounts["churned"].id, "churned_on": AS_OF}], AS_OF, reasons=["other"]
    )
    contract("cancelled", year_ago, later(20), status="cancelled")
    contract("add_on", date(2026, 1, 1), later(5))
    contract("add_on", date(2025, 1, 1), date(2027, 12, 31))  # the main contract runs on
    contract("win_back", year_ago, later(25))
    contract("win_back", later(200), later(565))  # too far after to be a renewal
    contract("today", year_ago, AS_OF)
    company.snapshot(AS_OF, {a.id: {} for a in accounts.values()})
    found = company.evaluate(rule("ending", {"kind": "contract_ending", "days": 30}))
    names = {a.id: name for name, a in accounts.items()}
    assert {names[a]: evidence for a, evidence in found["ending"].items()} == {
        "alone": [{"msgid": ENDING, "values": {"date": "2026-07-20", "days": 20}}],
        "win_back": [{"msgid": ENDING, "values": {"date": "2026-07-25", "days": 25}}],
        "today": [{"msgid": ENDING, "values": {"date": "2026-06-30", "days": 0}}],
    }
