"""The referral edit form through the app on SQLite and PostgreSQL: a CSM changes status, lead, resulting
contract and ARR (audited like the API's PUT); bad input names the field and writes nothing; another CSM's
referral is not found; a viewer may not edit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.accounts.schemas import ContactCreate
from lodestar.app import create_app
from lodestar.auth import service as auth_service
from lodestar.auth.models import AuditEntry, Role, User
from lodestar.db.engine import make_engine, unit_of_work
from lodestar.referrals import service
from lodestar.referrals.models import Referral
from lodestar.referrals.schemas import ReferralFields
from lodestar.settings import load_settings
from lodestar.web.deps import company_today
from tests.api_fixtures import quick_password_hashes
from tests.factories import PASSWORD, make_account, make_contract, make_user
from tests.live_server import csrf_of

__all__ = ["quick_password_hashes"]
TODAY = date(2026, 6, 1)


@dataclass
class Setup:
    app: FastAPI
    client: TestClient
    db_url: str
    csm: User
    other: User
    viewer: User
    account: int  # the CSM's account that referred the lead
    referral: int  # its referral, received
    contract: int  # the CSM's contract with the lead's company: 80,000 CNY
    their_contract: int  # another CSM's contract
    their_contact: int  # a contact of another CSM's account
    their_referral: int


@pytest.fixture
def setup(db: Session, db_url: str, tmp_path: Path) -> Iterator[Setup]:
    admin, csm = make_user(db, Role.ADMIN), make_user(db, Role.CSM)
    other, viewer = make_user(db, Role.CSM), make_user(db, Role.VIEWER)
    mine, theirs = make_account(db, csm, admin, name="Mine"), make_account(db, other, admin, name="Theirs")
    friend = make_account(db, csm, admin, name="Friend Co")
    contract = make_contract(db, friend, admin, arr=Decimal("80000"), currency="CNY")
    their_contract = make_contract(db, theirs, admin, arr=Decimal("1000"), currency="CNY")
    lead = ReferralFields(lead_name="Li Lei", lead_company="Friend Co", referred_on=date(2026, 5, 1))
    referral = service.create_referral(db, csm, mine.id, lead, TODAY)
    their_referral = service.create_referral(db, other, theirs.id, lead, TODAY)
    contact = accounts_service.create_contact(
        db, admin, ContactCreate(account_id=theirs.id, name="Wang Fang")
    )
    db.commit()
    app = create_app(load_settings(database_url=db_url, data_dir=tmp_path))
    app.dependency_overrides[company_today] = lambda: TODAY
    with TestClient(app) as client:
        yield Setup(
            app, client, db_url, csm, other, viewer, mine.id, referral.id, contract.id, their_contract.id,
            contact.id, their_referral.id,
        )  # fmt: skip


def _sign_in(client: TestClient, user: User) -> None:
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    form = {"email": user.email, "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def _stored(s: Setup, referral_id: int) -> tuple[Any, ...]:
    with unit_of_work(make_engine(s.db_url)) as session:
        r = session.get(Referral, referral_id)
        assert r is not None
        return (r.lead_name, r.lead_company, r.status, r.contract_id, r.arr, r.currency, r.referred_on)


def _audit(s: Setup) -> list[tuple[str, dict[str, Any]]]:
    with unit_of_work(make_engine(s.db_url)) as session:
        query = select(AuditEntry).where(AuditEntry.action == "referral.update").order_by(AuditEntry.id)
        return [(a.action, a.changes) for a in session.scalars(query)]


def _token(s: Setup) -> tuple[object, str]:
    """An API token of the CSM."""
    with unit_of_work(make_engine(s.db_url)) as session:
        csm = session.get(User, s.csm.id)
        assert csm is not None
        return auth_service.create_api_token(session, csm, "tests")


def _form(**changes: str) -> dict[str, str]:
    base = {"lead_name": "Li Lei", "lead_company": "Friend Co", "referred_on": "2026-05-01"}
    return {**base, "status": "received", **changes}


def _post(s: Setup, referral_id: int, form: dict[str, str]) -> Any:
    page = s.client.get(f"/accounts/{s.account}")
    data = {**form, "csrf_token": csrf_of(page.text)}
    return s.client.post(f"/referrals/{referral_id}/edit", data=data, follow_redirects=False)


def test_a_csm_changes_status_lead_contract_and_arr_on_the_form_and_it_is_audited(setup: Setup) -> None:
    s = setup
    _sign_in(s.client, s.csm)
    account_page = s.client.get(f"/accounts/{s.account}").text
    assert f'href="/referrals/{s.referral}/edit"' in account_page
    form = s.client.get(f"/referrals/{s.referral}/edit")
    assert form.status_code == 200 and 'value="Li Lei"' in form.text and 'value="2026-05-01"' in form.text
    assert re.search(r'<option value="received" selected', form.text)
    answer = _post(s, s.referral, _form(lead_name="Li Lei Jr", status="won", contract_id=str(s.contract)))
    assert answer.status_code == 303 and answer.headers["location"] == f"/accounts/{s.account}#referrals"
    # No ARR given: the resulting contract's ARR and currency are taken, as the API does.
    assert _stored(s, s.referral) == (
        "Li Lei Jr", "Friend Co", "won", s.contract, Decimal("80000.00"), "CNY", date(2026, 5, 1),
    )  # fmt: skip
    [(_, changes)] = _audit(s)
    assert changes["status"] == "won" and changes["lead_name"] == "Li Lei Jr"
    assert (changes["contract_id"], changes["arr"], changes["currency"]) == (s.contract, "80000.00", "CNY")
    _post(s, s.referral, _form(status="won", arr="90000", currency="USD", lead_name="Li Lei Jr"))
    assert _stored(s, s.referral)[3:6] == (None, Decimal("90000.00"), "USD")
    assert "90,000 USD" in s.client.get(f"/accounts/{s.account}").text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"status": "received", "arr": "10", "currency": "CNY"}, "arr"),
        ({"status": "lost", "contract_id": "CONTRACT"}, "contract_id"),
        ({"status": "won", "arr": "10"}, "currency"),
        ({"status": "won", "currency": "CNY"}, "currency"),
        ({"status": "won", "arr": "ten", "currency": "CNY"}, "arr"),
        ({"status": "won", "contract_id": "THEIR_CONTRACT"}, "contract_id"),
        ({"contact_id": "THEIR_CONTACT"}, "contact_id"),
        ({"referred_on": "2026-06-02"}, "referred_on"),
        ({"status": "signed"}, "status"),
        ({"lead_name": ""}, "lead_name"),
    ],
)
def test_a_bad_field_on_the_edit_form_is_named_and_nothing_is_written(
    setup: Setup, changes: dict[str, str], field: str
) -> None:
    s = setup
    ids = {"CONTRACT": s.contract, "THEIR_CONTRACT": s.their_contract, "THEIR_CONTACT": s.their_contact}
    changes = {k: str(ids.get(v, v)) for k, v in changes.items()}
    _sign_in(s.client, s.csm)
    before = _stored(s, s.referral)
    answer = _post(s, s.referral, _form(lead_company="Changed Co", **changes))
    assert answer.status_code == 422
    assert re.findall(r'data-field-error="(\w+)"', answer.text) == [field]
    assert 'value="Changed Co"' in answer.text  # the form keeps what was typed
    assert _stored(s, s.referral) == before and _audit(s) == []
    # The API's PUT refuses the same input naming the same field.
    _, plaintext = _token(s)
    body = {k: v or None for k, v in _form(**changes).items()}
    api = s.client.put(
        f"/api/v1/referrals/{s.referral}", json=body, headers={"Authorization": f"Bearer {plaintext}"}
    )
    assert api.status_code == 422 and [p["field"] for p in api.json()["problems"]] == [field]
    assert _stored(s, s.referral) == before


def test_another_csms_referral_is_not_found_and_a_viewer_may_not_edit(setup: Setup) -> None:
    s = setup
    _sign_in(s.client, s.csm)
    before = _stored(s, s.their_referral)
    assert s.client.get(f"/referrals/{s.their_referral}/edit").status_code == 404
    assert _post(s, s.their_referral, _form(status="lost")).status_code == 404
    assert s.client.get("/referrals/999999/edit").status_code == 404
    assert _stored(s, s.their_referral) == before
    _sign_in(s.client, s.viewer)
    assert s.client.get(f"/referrals/{s.referral}/edit").status_code == 403
    assert 'data-testid="edit-referral"' not in s.client.get(f"/accounts/{s.account}").text
    assert _audit(s) == []


def test_the_account_page_referrers_csv_and_api_show_won_value_in_the_company_currency(setup: Setup) -> None:
    s = setup
    # The default renewals configuration: CNY, USD at 7.10; JPY has no rate.
    with unit_of_work(make_engine(s.db_url)) as session:
        csm = session.get(User, s.csm.id)
        assert csm is not None
        for arr, currency in (("80000", "CNY"), ("5000", "USD"), ("300000", "JPY")):
            lead = ReferralFields(lead_name="Lead", lead_company="Co", referred_on=date(2026, 5, 2),
                                  status="won", arr=Decimal(arr), currency=currency)  # fmt: skip
            service.create_referral(session, csm, s.account, lead, TODAY)
    _sign_in(s.client, s.csm)
    page = s.client.get(f"/accounts/{s.account}").text
    totals = re.search(r'data-testid="referral-totals">(.*?)</span>\s*(?:</span>)?', page, re.S)
    assert totals and "80,000 CNY" in totals.group(1) and "5,000 USD" in totals.group(1)  # kept apart
    assert "115,500 CNY in all" in page  # 80,000 + 5,000 × 7.10, JPY left out
    assert re.search(r'data-testid="referral-missing-rates">No exchange rate for JPY', page)
    listing = s.client.get("/referrers").text
    assert "Won ARR in CNY" in listing and "No exchange rate for JPY" in listing
    cell = re.search(r'data-testid="company-value">(.*?)</td>', listing, re.S)
    assert cell and cell.group(1).startswith("115,500 CNY") and "without JPY" in cell.group(1)
    csv = s.client.get("/referrers/export.csv").text.lstrip("\ufeff").splitlines()
    assert csv[0].split(",")[5:7] == ['"won_arr_cny"', '"no_rate_for"']
    assert csv[1].split(",")[5:7] == ["115500.00", '"JPY"']
    _, plaintext = _token(s)
    api = s.client.get("/api/v1/referrers", headers={"Authorization": f"Bearer {plaintext}"}).json()
    assert [
        (r["totals"]["company_currency"], r["totals"]["company_value"], r["totals"]["unrated"]) for r in api
    ] == [("CNY", "115500.00", ["JPY"])]
