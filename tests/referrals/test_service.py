"""Referrals on SQLite and PostgreSQL: recording with the resulting contract's ARR, totals by currency (never
added across), the referrers list within the reader's scope, referral evidence completing a playbook step,
refusals naming the field with nothing written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.auth.models import Role
from lodestar.kit.errors import InvalidInput, NotFound
from lodestar.referrals import service
from lodestar.referrals.models import Referral
from lodestar.referrals.schemas import ReferralFields
from lodestar.renewals.currency import ExchangeRates
from lodestar.renewals.schemas import RenewalSettings
from lodestar.sop.playbooks.schemas import Evidence
from lodestar.sop.tasks import evidence
from lodestar.sop.tasks.models import PlaybookRun, Task
from tests.factories import make_account, make_contract, make_user

TODAY = date(2026, 6, 1)


def _lead(**kw: object) -> ReferralFields:
    fields = {"lead_name": "Li Lei", "lead_company": "Friend Co", "referred_on": date(2026, 5, 1)} | kw
    return ReferralFields.model_validate(fields)


def test_totals_and_the_referrers_list_keep_currencies_apart_and_scope(db: Session) -> None:
    admin, csm, other = make_user(db, Role.ADMIN), make_user(db, Role.CSM), make_user(db, Role.CSM)
    mine, theirs = make_account(db, csm, admin, name="Mine"), make_account(db, other, admin, name="Theirs")
    won_from = make_account(db, csm, admin, name="Friend Co")
    contract = make_contract(db, won_from, admin, arr=Decimal("80000"), currency="CNY")
    service.create_referral(db, csm, mine.id, _lead(status="won", contract_id=contract.id), TODAY)
    service.create_referral(db, csm, mine.id, _lead(status="won", arr=Decimal("5000"), currency="USD"), TODAY)
    service.create_referral(db, csm, mine.id, _lead(status="lost"), TODAY)
    service.create_referral(db, other, theirs.id, _lead(), TODAY)
    totals = service.totals(service.list_for_account(db, csm, mine.id))
    assert (totals.referrals, totals.won) == (3, 2)
    assert totals.value == {"CNY": Decimal("80000.00"), "USD": Decimal("5000.00")}
    assert [r.account for r in service.referrers(db, admin)] == ["Mine", "Theirs"]
    assert [r.account for r in service.referrers(db, csm)] == ["Mine"]
    with pytest.raises(NotFound):
        service.list_for_account(db, csm, theirs.id)


def _rates(*rates: tuple[str, str, date]) -> ExchangeRates:
    reasons = [{"key": "other", "name": "Other", "name_zh": "其他"}]
    exchange = [{"currency": c, "rate": r, "valid_from": d} for c, r, d in rates]
    return ExchangeRates(RenewalSettings.model_validate({"company_currency": "CNY", "reasons": reasons,
                                                         "exchange_rates": exchange}))  # fmt: skip


def test_won_value_in_the_company_currency_converts_each_currencys_sum_at_the_days_rate(db: Session) -> None:
    admin, csm = make_user(db, Role.ADMIN), make_user(db, Role.CSM)
    both, only_gbp, none_won = (make_account(db, csm, admin, name=n) for n in ("Both", "Pounds", "Nothing"))
    for account, status, arr, currency in [
        (both, "won", "80000", "CNY"),
        (both, "won", "3000.10", "USD"),
        (both, "won", "2000.05", "USD"),
        (both, "won", "100", "GBP"),
        (both, "lost", None, None),
        (only_gbp, "won", "900", "GBP"),
        (none_won, "received", None, None),
    ]:
        money = {"arr": Decimal(arr), "currency": currency} if arr else {}
        service.create_referral(db, csm, account.id, _lead(status=status, **money), TODAY)
    # USD moved from 7.00 to 7.20 on 2026-06-01 (TODAY); GBP has no rate.
    rates = _rates(("USD", "7.00", date(2026, 1, 1)), ("USD", "7.20", date(2026, 6, 1)))
    found = service.totals(service.list_for_account(db, csm, both.id), rates, TODAY)
    # By hand: 80,000 CNY + (3,000.10 + 2,000.05) USD × 7.20 = 80,000 + 36,001.08 = 116,001.08; GBP left out.
    assert (found.company_currency, found.company_value, found.unrated) == (
        "CNY",
        Decimal("116001.08"),
        ["GBP"],
    )
    assert found.value == {"CNY": Decimal("80000.00"), "USD": Decimal("5000.15"), "GBP": Decimal("100.00")}
    earlier = service.totals(service.list_for_account(db, csm, both.id), rates, date(2026, 5, 31))
    assert earlier.company_value == Decimal("115001.05")  # 80,000 + 5,000.15 × 7.00
    pounds = service.totals(service.list_for_account(db, csm, only_gbp.id), rates, TODAY)
    assert (pounds.company_value, pounds.unrated) == (None, ["GBP"])  # nothing convertible: no figure
    nothing = service.totals(service.list_for_account(db, csm, none_won.id), rates, TODAY)
    assert (nothing.company_value, nothing.unrated) == (Decimal(0), [])
    assert service.totals(service.list_for_account(db, csm, both.id)).company_value is None  # no rates given
    rows = service.referrers(db, csm, rates, TODAY)
    assert [(r.account, r.totals.won, r.totals.company_value) for r in rows] == [
        ("Both", 4, Decimal("116001.08")), ("Pounds", 1, None), ("Nothing", 0, Decimal(0)),
    ]  # fmt: skip


def test_among_referrers_with_as_many_won_the_larger_company_value_comes_first(db: Session) -> None:
    admin, csm = make_user(db, Role.ADMIN), make_user(db, Role.CSM)
    small, large = make_account(db, csm, admin, name="A small"), make_account(db, csm, admin, name="B large")
    service.create_referral(db, csm, small.id, _lead(status="won", arr=Decimal(50000), currency="CNY"), TODAY)
    service.create_referral(db, csm, large.id, _lead(status="won", arr=Decimal(10000), currency="USD"), TODAY)
    rates = _rates(("USD", "7.10", date(2020, 1, 1)))
    assert [r.account for r in service.referrers(db, csm, rates, TODAY)] == ["B large", "A small"]


def test_bad_input_names_the_field_and_writes_nothing(db: Session) -> None:
    admin, csm = make_user(db, Role.ADMIN), make_user(db, Role.CSM)
    account = make_account(db, csm, admin)
    with pytest.raises(InvalidInput) as future:
        service.create_referral(db, csm, account.id, _lead(referred_on=date(2026, 7, 1)), TODAY)
    assert [p.field for p in future.value.problems] == ["referred_on"]
    with pytest.raises(InvalidInput) as contract:
        service.create_referral(db, csm, account.id, _lead(status="won", contract_id=999_999), TODAY)
    assert [p.field for p in contract.value.problems] == ["contract_id"]
    with pytest.raises(ValidationError):
        _lead(status="received", arr=Decimal("10"), currency="CNY")
    assert db.scalar(select(func.count()).select_from(Referral)) == 0


def test_a_recorded_referral_completes_a_referral_step(db: Session) -> None:
    assert Evidence(kind="referral").kind == "referral"
    admin, csm = make_user(db, Role.ADMIN), make_user(db, Role.CSM)
    account = make_account(db, csm, admin)
    start = date(2026, 5, 1)
    run = PlaybookRun(playbook_key="growth", playbook_version=0, account_id=account.id, trigger_kind="manual",
                      trigger_ref="manual:x", triggered_on=start, counts_from=start)  # fmt: skip
    db.add(run)
    db.flush()
    rule = {"counts_from": start.isoformat()}  # frozen on the task as runs.py does
    task = Task(run_id=run.id, account_id=account.id, playbook_key="growth", step_key="ask_referral",
                position=0, title="Ask for a referral", evidence_kind="referral", evidence_rule=rule,
                due_on=date(2026, 6, 1))  # fmt: skip
    db.add(task)
    db.flush()
    assert evidence.check_referrals(db) == 0
    service.create_referral(db, csm, account.id, _lead(referred_on=date(2026, 5, 20)), TODAY)
    assert evidence.check_referrals(db) == 1
    db.refresh(task)
    assert (task.status, task.done_on) == ("done", date(2026, 5, 20))
