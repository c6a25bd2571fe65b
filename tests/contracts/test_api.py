"""Contracts over /api/v1: round trips, the account's ARR roll-up, visibility, bad input."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.auth import service as auth_service
from lodestar.contracts.models import Contract
from lodestar.kit.time import today_in
from tests.api_fixtures import Team, count
from tests.factories import make_account, make_contract


def _today() -> date:
    return today_in(ZoneInfo("Asia/Shanghai"))  # the default company time zone


@pytest.fixture
def deals(db: Session, team: Team) -> dict[str, Account | Contract]:
    """An account for the team's CSM and one for the outsider, each with one running contract."""
    admin = team.admin.user
    today = _today()
    mine = make_account(db, team.csm.user, admin, name="Echo Energy")
    theirs = make_account(db, team.other_csm.user, admin, name="Foxtrot Freight")
    running = {
        "start_date": today - timedelta(days=100),
        "end_date": today + timedelta(days=265),
        "today": today,
    }
    mine_contract = make_contract(db, mine, admin, external_id="C-ECHO-1", **running)
    theirs_contract = make_contract(db, theirs, admin, **running)
    db.commit()
    return {
        "mine": mine,
        "theirs": theirs,
        "mine_contract": mine_contract,
        "theirs_contract": theirs_contract,
    }


def test_a_new_running_contract_comes_back_as_sent_and_rolls_up_into_the_account(client, team: Team, deals):
    account = deals["mine"]
    start, end = _today() - timedelta(days=10), _today() + timedelta(days=120)
    res = client.post(
        "/api/v1/contracts",
        headers=team.csm.headers,
        json={
            "account_id": account.id,
            "external_id": "C-ECHO-2",
            "product": "Lodestar Cloud",
            "edition": "Pro",
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "arr": "30000.50",
            "currency": "CNY",
            "seats": 15,
        },
    )
    assert res.status_code == 201
    created = res.json()
    assert created["arr"] == "30000.50"
    assert (created["seats"], created["edition"], created["status"]) == (15, "Pro", "active")
    assert created["end_date"] == end.isoformat()
    assert client.get(f"/api/v1/contracts/{created['id']}", headers=team.csm.headers).json() == created
    acct = client.get(f"/api/v1/accounts/{account.id}", headers=team.csm.headers).json()
    assert acct["arr"] == "150000.50"  # 120000.00 from the fixture's contract + this one
    assert acct["renewal_date"] == end.isoformat()  # the earliest end of the running contracts
    listed = client.get(f"/api/v1/accounts/{account.id}/contracts", headers=team.csm.headers).json()
    assert sorted(c["external_id"] for c in listed) == ["C-ECHO-1", "C-ECHO-2"]


def test_patching_a_contract_audits_the_change_and_refreshes_the_account(
    client, team: Team, deals, db: Session
):
    contract = deals["mine_contract"]
    res = client.patch(
        f"/api/v1/contracts/{contract.id}", headers=team.manager.headers, json={"arr": "99000", "seats": 40}
    )
    assert res.status_code == 200
    assert (res.json()["arr"], res.json()["seats"]) == ("99000.00", 40)
    assert (
        client.get(f"/api/v1/accounts/{deals['mine'].id}", headers=team.csm.headers).json()["arr"]
        == "99000.00"
    )
    db.rollback()
    latest = auth_service.history(db, "contract", contract.id)[0]
    assert latest.actor_id == team.manager.id
    assert latest.changes == {"arr": "99000", "seats": 40}


def test_a_csm_gets_404_for_another_csms_contracts(client, team: Team, deals):
    theirs = deals["theirs_contract"].id
    assert client.get(f"/api/v1/contracts/{theirs}", headers=team.csm.headers).status_code == 404
    res = client.patch(f"/api/v1/contracts/{theirs}", headers=team.csm.headers, json={"seats": 1})
    assert res.status_code == 404
    assert res.json()["code"] == "not_found"
    assert (
        client.get(f"/api/v1/accounts/{deals['theirs'].id}/contracts", headers=team.csm.headers).status_code
        == 404
    )
    assert client.get(f"/api/v1/contracts/{theirs}", headers=team.manager.headers).status_code == 404
    assert client.get(f"/api/v1/contracts/{theirs}", headers=team.admin.headers).json()["seats"] == 20
    assert (
        client.get(f"/api/v1/contracts/{deals['mine_contract'].id}", headers=team.manager.headers).status_code
        == 200
    )


def test_viewers_get_403_when_writing_contracts(client, team: Team, deals, engine: Engine):
    mine = deals["mine_contract"].id
    res = client.patch(f"/api/v1/contracts/{mine}", headers=team.viewer.headers, json={"seats": 1})
    assert res.status_code == 403
    res = client.post(
        "/api/v1/contracts",
        headers=team.viewer.headers,
        json={
            "account_id": deals["mine"].id,
            "start_date": "2026-01-01",
            "end_date": "2027-01-01",
            "arr": "1",
        },
    )
    assert res.status_code == 403
    assert count(engine, Contract) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end_date": "2025-12-31"}, "end_date"),
        ({"seats": -3}, "seats"),
        ({"arr": "-1"}, "arr"),
        ({"arr": "10.123"}, "arr"),
        ({"currency": "usd"}, "currency"),
        ({"status": "dreaming"}, "status"),
        ({"account_id": 987654}, "account_id"),
        ({"external_id": "C-ECHO-1"}, "external_id"),
        ({"discount": 10}, "discount"),
        ({"start_date": None}, "start_date"),
    ],
    ids=[
        "end-before-start",
        "negative-seats",
        "negative-arr",
        "sub-cent-arr",
        "bad-currency",
        "bad-status",
        "unknown-account",
        "duplicate-external-id",
        "unknown-field",
        "missing-start",
    ],
)
def test_a_bad_new_contract_is_refused_naming_the_field_and_nothing_is_written(
    client, team: Team, deals, engine: Engine, db: Session, change: dict[str, object], field: str
):
    body = {
        "account_id": deals["mine"].id,
        "start_date": "2026-01-01",
        "end_date": "2027-01-01",
        "arr": "5000",
        **change,
    }
    res = client.post("/api/v1/contracts", headers=team.csm.headers, json=body)
    assert res.status_code == 422
    assert res.json()["code"] == "invalid_input"
    assert [p["field"] for p in res.json()["problems"]] == [field]
    assert count(engine, Contract) == 2
    db.rollback()
    assert db.get_one(Account, deals["mine"].id).arr == 120000


def test_a_contract_patch_that_puts_the_end_before_the_start_is_refused(
    client, team: Team, deals, db: Session
):
    contract = deals["mine_contract"]
    res = client.patch(
        f"/api/v1/contracts/{contract.id}",
        headers=team.csm.headers,
        json={"end_date": contract.start_date.isoformat(), "seats": 99},
    )
    assert res.status_code == 422
    assert [p["field"] for p in res.json()["problems"]] == ["end_date"]
    db.rollback()
    assert db.get_one(Contract, contract.id).seats == 20
    assert auth_service.history(db, "contract", contract.id)[0].action == "create"


def test_a_csm_cannot_add_a_contract_to_an_account_they_cannot_see(client, team: Team, deals, engine: Engine):
    res = client.post(
        "/api/v1/contracts",
        headers=team.csm.headers,
        json={
            "account_id": deals["theirs"].id,
            "start_date": "2026-01-01",
            "end_date": "2027-01-01",
            "arr": "1",
        },
    )
    assert res.status_code == 422
    assert res.json()["problems"][0]["field"] == "account_id"
    assert count(engine, Contract) == 2
