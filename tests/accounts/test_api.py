"""Accounts and stakeholders over /api/v1: round trips, the portfolio list, visibility, bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.accounts.models import Account, Contact
from lodestar.auth import service as auth_service
from tests.api_fixtures import Team, count
from tests.factories import make_account


@pytest.fixture
def portfolio(db: Session, team: Team) -> dict[str, Account]:
    """Two accounts for the team's CSM, one for the CSM outside it, one unowned."""
    admin = team.admin.user
    accounts = {
        "alpha": make_account(
            db,
            team.csm.user,
            admin,
            name="Alpha Foods",
            industry="retail",
            tier="KA",
            plan="pro",
            employees=500,
            crm_id="CRM-ALPHA",
        ),
        "bravo": make_account(
            db,
            team.csm.user,
            admin,
            name="Bravo Bank",
            industry="finance",
            tier="MM",
            plan="pro",
            employees=80,
        ),
        "charlie": make_account(
            db,
            team.other_csm.user,
            admin,
            name="Charlie Chips",
            industry="retail",
            tier="KA",
            plan="basic",
            employees=2000,
        ),
    }
    db.commit()
    return accounts


def test_a_csm_creates_an_account_they_then_own_and_read_back(client, team: Team):
    res = client.post(
        "/api/v1/accounts",
        headers=team.csm.headers,
        json={
            "name": "  Delta Dairy ",
            "industry": "food",
            "employees": 1200,
            "region": "East",
            "it_maturity": "high",
            "plan": "enterprise",
            "tags": ["pilot", "cn"],
            "traits": {"erp": "SAP"},
            "crm_id": "CRM-DELTA",
            "currency": "USD",
            "departments": ["finance"],
            "purchase_intent": "replace spreadsheets",
        },
    )
    assert res.status_code == 201
    created = res.json()
    assert created["name"] == "Delta Dairy"
    assert created["owner_id"] == team.csm.id
    assert created["it_maturity"] == "high"
    assert created["tags"] == ["pilot", "cn"]
    assert created["traits"] == {"erp": "SAP"}
    assert created["currency"] == "USD"
    assert created["arr"] == "0.00"  # ARR is a string with cents, never a float
    read = client.get(f"/api/v1/accounts/{created['id']}", headers=team.csm.headers)
    assert read.status_code == 200
    assert read.json() == created


def test_patching_an_account_changes_only_the_fields_sent_and_audits_them(
    client, team: Team, portfolio: dict[str, Account], db: Session
):
    alpha = portfolio["alpha"]
    res = client.patch(
        f"/api/v1/accounts/{alpha.id}",
        headers=team.manager.headers,
        json={"tier": "SMB", "employees": 650, "plan": "pro"},
    )
    assert res.status_code == 200
    body = res.json()
    assert (body["tier"], body["employees"], body["plan"], body["industry"]) == ("SMB", 650, "pro", "retail")
    db.rollback()
    latest = auth_service.history(db, "account", alpha.id)[0]
    assert latest.action == "update"
    assert latest.actor_id == team.manager.id
    assert latest.changes == {"tier": "SMB", "employees": 650}


def test_only_managers_and_admins_change_or_pin_a_tier_and_only_to_a_configured_one(
    client, team: Team, portfolio: dict[str, Account], db: Session
):
    alpha = f"/api/v1/accounts/{portfolio['alpha'].id}"
    for change in ({"tier": "SMB"}, {"tier_pinned": True}, {"tier": "SMB", "tier_pinned": True}):
        res = client.patch(alpha, headers=team.csm.headers, json=change)
        assert res.status_code == 403, change
        assert res.json()["message"] == "only managers and admins may change or pin an account's tier"
    assert (
        client.patch(alpha, headers=team.csm.headers, json={"tier": "KA", "employees": 7}).status_code == 200
    )
    res = client.patch(alpha, headers=team.admin.headers, json={"tier": "XX"})
    assert res.status_code == 422
    assert res.json()["problems"] == [
        {"field": "tier", "message": "is not a configured tier; known: KA, MM, SMB, LT"}
    ]
    zh = client.patch(alpha, headers={**team.admin.headers, "Accept-Language": "zh-CN"}, json={"tier": "XX"})
    assert zh.json()["problems"][0]["message"] == "不是已配置的分层；可选：KA, MM, SMB, LT"
    res = client.patch(alpha, headers=team.manager.headers, json={"tier": "MM", "tier_pinned": True})
    assert (res.status_code, res.json()["tier"], res.json()["tier_pinned"]) == (200, "MM", True)
    db.rollback()
    assert [h.actor_id for h in auth_service.history(db, "account", portfolio["alpha"].id)][:1] == [
        team.manager.id
    ]


def test_the_portfolio_list_answers_items_and_pager_numbers(
    client, team: Team, portfolio: dict[str, Account]
):
    res = client.get(
        "/api/v1/accounts",
        headers=team.admin.headers,
        params={"sort": "employees", "desc": "true", "size": 2, "page": 1},
    )
    assert res.status_code == 200
    body = res.json()
    assert [a["name"] for a in body["items"]] == ["Charlie Chips", "Alpha Foods"]
    assert (body["total"], body["page"], body["size"], body["pages"]) == (3, 1, 2, 2)
    second = client.get(
        "/api/v1/accounts",
        headers=team.admin.headers,
        params={"sort": "employees", "desc": "true", "size": 2, "page": 2},
    ).json()
    assert [a["name"] for a in second["items"]] == ["Bravo Bank"]
    assert second["page"] == 2


def test_the_portfolio_list_filters_by_each_field(client, team: Team, portfolio: dict[str, Account]):
    def names(**params: object) -> list[str]:
        res = client.get("/api/v1/accounts", headers=team.admin.headers, params=params)
        assert res.status_code == 200
        return [a["name"] for a in res.json()["items"]]

    assert names(industry="retail") == ["Alpha Foods", "Charlie Chips"]
    assert names(tier="KA", plan="basic") == ["Charlie Chips"]
    assert names(owner_id=team.csm.id) == ["Alpha Foods", "Bravo Bank"]
    assert names(q="crm-alp") == ["Alpha Foods"]
    assert names(q="bank") == ["Bravo Bank"]
    assert names(status="churned") == []


def test_a_bad_sort_key_or_unknown_query_parameter_is_named(client, team: Team):
    res = client.get("/api/v1/accounts", headers=team.admin.headers, params={"sort": "password"})
    assert res.status_code == 422
    assert [p["field"] for p in res.json()["problems"]] == ["query.sort"]
    res = client.get("/api/v1/accounts", headers=team.admin.headers, params={"owner": 1})
    assert res.status_code == 422
    assert [p["field"] for p in res.json()["problems"]] == ["query.owner"]
    res = client.get("/api/v1/accounts", headers=team.admin.headers, params={"size": 500})
    assert [p["field"] for p in res.json()["problems"]] == ["query.size"]


def test_each_role_lists_exactly_the_accounts_it_may_see(client, team: Team, portfolio: dict[str, Account]):
    def names(member) -> list[str]:
        return [a["name"] for a in client.get("/api/v1/accounts", headers=member.headers).json()["items"]]

    assert names(team.csm) == ["Alpha Foods", "Bravo Bank"]
    assert names(team.other_csm) == ["Charlie Chips"]
    assert names(team.manager) == ["Alpha Foods", "Bravo Bank"]
    assert names(team.admin) == ["Alpha Foods", "Bravo Bank", "Charlie Chips"]
    assert names(team.viewer) == ["Alpha Foods", "Bravo Bank", "Charlie Chips"]


def test_a_csm_gets_404_not_403_for_another_csms_account_and_its_contacts(
    client, team: Team, portfolio: dict[str, Account], engine: Engine
):
    charlie = portfolio["charlie"].id
    for method, path in (
        ("GET", f"/api/v1/accounts/{charlie}"),
        ("GET", f"/api/v1/accounts/{charlie}/contacts"),
        ("PATCH", f"/api/v1/accounts/{charlie}"),
    ):
        res = client.request(
            method, path, headers=team.csm.headers, json={"tier": "mine"} if method == "PATCH" else None
        )
        assert res.status_code == 404, path
        assert res.json()["code"] == "not_found"
    assert client.get(f"/api/v1/accounts/{charlie}", headers=team.manager.headers).status_code == 404
    assert client.get(f"/api/v1/accounts/{charlie}", headers=team.admin.headers).json()["tier"] == "KA"
    res = client.get(f"/api/v1/accounts/{portfolio['alpha'].id}", headers=team.manager.headers)
    assert res.json()["name"] == "Alpha Foods"


def test_viewers_read_every_account_but_get_403_on_writes(
    client, team: Team, portfolio: dict[str, Account], engine: Engine
):
    alpha = portfolio["alpha"].id
    assert client.get(f"/api/v1/accounts/{alpha}", headers=team.viewer.headers).status_code == 200
    writes = [
        client.post("/api/v1/accounts", headers=team.viewer.headers, json={"name": "Nope"}),
        client.patch(f"/api/v1/accounts/{alpha}", headers=team.viewer.headers, json={"tier": "x"}),
        client.post(
            "/api/v1/contacts", headers=team.viewer.headers, json={"account_id": alpha, "name": "Nope"}
        ),
    ]
    assert [r.status_code for r in writes] == [403, 403, 403]
    assert {r.json()["code"] for r in writes} == {"permission_denied"}
    assert count(engine, Account) == 3
    assert count(engine, Contact) == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"industry": "retail"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "Neg", "employees": -5}, "employees"),
        ({"name": "Cur", "currency": "dollars"}, "currency"),
        ({"name": "Odd", "colour": "blue"}, "colour"),
        ({"name": "Mat", "it_maturity": "extreme"}, "it_maturity"),
        ({"name": "Own", "owner_id": 987654}, "owner_id"),
        ({"name": "Dup", "crm_id": "CRM-ALPHA"}, "crm_id"),
    ],
    ids=[
        "missing-name",
        "empty-name",
        "negative-employees",
        "bad-currency",
        "unknown-field",
        "bad-level",
        "unknown-owner",
        "duplicate-crm-id",
    ],
)
def test_a_bad_new_account_is_refused_naming_the_field_and_nothing_is_written(
    client, team: Team, portfolio: dict[str, Account], engine: Engine, payload: dict[str, object], field: str
):
    res = client.post("/api/v1/accounts", headers=team.admin.headers, json=payload)
    assert res.status_code == 422
    body = res.json()
    assert body["code"] == "invalid_input"
    assert [p["field"] for p in body["problems"]] == [field]
    assert body["problems"][0]["message"]
    assert count(engine, Account) == 3


def test_a_csm_cannot_give_an_account_to_someone_outside_their_team(
    client, team: Team, portfolio: dict[str, Account], db: Session
):
    alpha = portfolio["alpha"].id
    res = client.patch(
        f"/api/v1/accounts/{alpha}", headers=team.csm.headers, json={"owner_id": team.other_csm.id}
    )
    assert res.status_code == 422
    assert res.json()["problems"][0]["field"] == "owner_id"
    res = client.patch(
        f"/api/v1/accounts/{alpha}", headers=team.csm.headers, json={"crm_id": "x", "name": None}
    )
    assert res.status_code == 422
    assert res.json()["problems"][0]["field"] == "name"
    db.rollback()
    assert db.get_one(Account, alpha).owner_id == team.csm.id
    assert db.get_one(Account, alpha).crm_id == "CRM-ALPHA"


def test_a_contact_round_trip_through_its_account(
    client, team: Team, portfolio: dict[str, Account], db: Session
):
    alpha = portfolio["alpha"].id
    res = client.post(
        "/api/v1/contacts",
        headers=team.csm.headers,
        json={
            "account_id": alpha,
            "name": "Lin Wei",
            "title": "CIO",
            "role": "decision_maker",
            "email": "lin.wei@alpha.example",
            "phone": "+86 21 5555 0101",
            "it_ability": "medium",
        },
    )
    assert res.status_code == 201
    contact = res.json()
    assert (contact["name"], contact["role"], contact["active"], contact["left_on"]) == (
        "Lin Wei",
        "decision_maker",
        True,
        None,
    )
    assert client.get(f"/api/v1/contacts/{contact['id']}", headers=team.manager.headers).json() == contact
    listed = client.get(f"/api/v1/accounts/{alpha}/contacts", headers=team.csm.headers).json()
    assert [c["name"] for c in listed] == ["Lin Wei"]

    res = client.patch(
        f"/api/v1/contacts/{contact['id']}",
        headers=team.csm.headers,
        json={"left_on": "2026-03-31", "title": "Former CIO"},
    )
    assert res.status_code == 200
    assert (res.json()["active"], res.json()["left_on"], res.json()["title"]) == (
        False,
        "2026-03-31",
        "Former CIO",
    )
    db.rollback()
    latest = auth_service.history(db, "contact", contact["id"])[0]
    assert latest.changes == {"left_on": "2026-03-31", "active": False, "title": "Former CIO"}


def test_a_csm_gets_404_for_another_csms_contact(client, team: Team, portfolio: dict[str, Account]):
    res = client.post(
        "/api/v1/contacts",
        headers=team.other_csm.headers,
        json={"account_id": portfolio["charlie"].id, "name": "Hidden Person"},
    )
    contact_id = res.json()["id"]
    assert client.get(f"/api/v1/contacts/{contact_id}", headers=team.csm.headers).status_code == 404
    res = client.patch(f"/api/v1/contacts/{contact_id}", headers=team.csm.headers, json={"name": "Mine now"})
    assert res.status_code == 404
    assert (
        client.get(f"/api/v1/contacts/{contact_id}", headers=team.admin.headers).json()["name"]
        == "Hidden Person"
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "No Mail", "email": "not-an-email"}, "email"),
        ({"name": "Bad Role", "role": "boss"}, "role"),
        ({"name": "Left", "active": True, "left_on": "2026-01-01"}, "left_on"),
        ({"name": "Ghost", "account_id": 987654}, "account_id"),
        ({"title": "Nameless"}, "name"),
        ({"name": "Phone", "phone": "call me"}, "phone"),
    ],
    ids=["bad-email", "bad-role", "active-with-leaving-date", "unknown-account", "missing-name", "bad-phone"],
)
def test_a_bad_new_contact_is_refused_naming_the_field_and_nothing_is_written(
    client, team: Team, portfolio: dict[str, Account], engine: Engine, payload: dict[str, object], field: str
):
    body = {"account_id": portfolio["alpha"].id, **payload}
    res = client.post("/api/v1/contacts", headers=team.csm.headers, json=body)
    assert res.status_code == 422
    assert [p["field"] for p in res.json()["problems"]] == [field]
    assert count(engine, Contact) == 0


def test_a_csm_cannot_add_a_contact_to_an_account_they_cannot_see(
    client, team: Team, portfolio: dict[str, Account], engine: Engine
):
    res = client.post(
        "/api/v1/contacts",
        headers=team.csm.headers,
        json={"account_id": portfolio["charlie"].id, "name": "Sneaky"},
    )
    assert res.status_code == 422
    assert res.json()["problems"][0]["field"] == "account_id"
    assert count(engine, Contact) == 0


def test_an_arr_sort_compares_what_each_currency_is_worth_in_the_company_currency(
    client, db: Session, team: Team, portfolio: dict[str, Account]
):
    # At the default rates (CNY company currency): 10,000 USD is 71,000 CNY, 6,000 EUR is 46,800 CNY, and a
    # currency without a rate (JPY) counts 1:1.
    arr = {"alpha": ("CNY", "50000"), "bravo": ("USD", "10000"), "charlie": ("EUR", "6000")}
    values = [{"id": portfolio[k].id, "currency": c, "arr": Decimal(a)} for k, (c, a) in arr.items()]
    values.append({"id": make_account(db, team.csm.user, team.admin.user, name="Delta Yen").id,
                   "currency": "JPY", "arr": Decimal("60000")})  # fmt: skip
    accounts_service.set_commercials(db, values)
    db.commit()

    def names(desc: str) -> list[str]:
        params = {"sort": "arr", "desc": desc}
        listed = client.get("/api/v1/accounts", headers=team.admin.headers, params=params).json()["items"]
        return [a["name"] for a in listed]

    assert names("true") == ["Bravo Bank", "Delta Yen", "Alpha Foods", "Charlie Chips"]
    assert names("false") == ["Charlie Chips", "Alpha Foods", "Delta Yen", "Bravo Bank"]
