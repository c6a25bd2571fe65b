"""/api/v1/winbacks and /api/v1/lead-pool: each caller sees the win-backs and leads of the accounts they may
see (a CSM their own, a manager their team's, admins and viewers all), the filters narrow within that, and a
bad filter is refused naming it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from lodestar.auth.models import Role
from lodestar.renewals.winback import service
from lodestar.settings import Settings
from tests.api_fixtures import bearer, client, quick_password_hashes
from tests.factories import make_contract, make_user
from tests.renewals.winback.conftest import LAST_DAY, WINDOW, churned_account, day

__all__ = ["client", "quick_password_hashes"]


@pytest.fixture
def seeded(db: Session, settings: Settings) -> dict[str, dict]:
    """Cora's (Max's team) Alpha churned for price and Beta for a competitor, Beta won back on day 10;
    Otto's Gamma churned for price. Seen the day after the window: Alpha and Gamma are leads."""
    admin = make_user(db, Role.ADMIN, name="Ada Admin")
    manager = make_user(db, Role.MANAGER, name="Max Manager")
    csm = make_user(db, Role.CSM, manager=manager, name="Cora Csm")
    other = make_user(db, Role.CSM, name="Otto Other")
    viewer = make_user(db, Role.VIEWER, name="Vera Viewer")
    alpha = churned_account(db, admin, csm, "Alpha Ltd")
    beta = churned_account(db, admin, csm, "Beta Ltd", reason="competitor")
    gamma = churned_account(db, admin, other, "Gamma Ltd")
    make_contract(db, beta.account, admin, start_date=day(10), end_date=day(375), arr=Decimal("90000"),
                  today=day(10))  # fmt: skip
    db.commit()
    service.after_snapshot(db, day(1), settings)
    service.after_snapshot(db, day(WINDOW + 1), settings)
    db.commit()
    people = {"admin": admin, "manager": manager, "csm": csm, "other": other, "viewer": viewer}
    headers = {role: bearer(db, u) for role, u in people.items()}
    db.commit()
    by_account = {w.account_id: w.id for w in service.win_back_facts(db)}
    ids = {k: by_account[c.account.id] for k, c in (("alpha", alpha), ("beta", beta), ("gamma", gamma))}
    return {"headers": headers, "ids": ids, "users": {r: u.id for r, u in people.items()}}


def _ids(client: TestClient, headers: dict[str, str], query: str = "") -> list[int]:
    response = client.get(f"/api/v1/winbacks{query}", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return [w["id"] for w in body["items"]]


def test_each_caller_lists_the_win_backs_of_the_accounts_they_may_see(
    client: TestClient, seeded: dict[str, dict]
) -> None:
    h, ids = seeded["headers"], seeded["ids"]
    team = {ids["alpha"], ids["beta"]}
    assert set(_ids(client, h["csm"])) == team
    assert set(_ids(client, h["manager"])) == team
    assert _ids(client, h["other"]) == [ids["gamma"]]
    assert set(_ids(client, h["admin"])) == set(_ids(client, h["viewer"])) == set(ids.values())


def test_the_filters_narrow_within_what_the_caller_may_see(
    client: TestClient, seeded: dict[str, dict]
) -> None:
    h, ids, users = seeded["headers"], seeded["ids"], seeded["users"]
    assert set(_ids(client, h["admin"], "?state=lost")) == {ids["alpha"], ids["gamma"]}
    assert _ids(client, h["admin"], "?state=reactivated") == [ids["beta"]]
    assert _ids(client, h["admin"], "?state=open") == []
    assert set(_ids(client, h["admin"], "?reason=price_budget")) == {ids["alpha"], ids["gamma"]}
    assert _ids(client, h["admin"], f"?owner_id={users['other']}") == [ids["gamma"]]
    assert _ids(client, h["csm"], "?reason=price_budget") == [ids["alpha"]]
    assert _ids(client, h["csm"], f"?owner_id={users['other']}") == []  # outside her scope: nothing
    page = client.get("/api/v1/winbacks?limit=1&offset=1", headers=h["admin"]).json()
    assert page["total"] == 3 and [w["id"] for w in page["items"]] == _ids(client, h["admin"])[1:2]


@pytest.mark.parametrize(
    ("query", "field"),
    [("?reason=bogus", "reason"), ("?state=closed", "query.state"), ("?limit=0", "query.limit")],
)
def test_a_bad_filter_is_refused_naming_it(
    client: TestClient, seeded: dict[str, dict], query: str, field: str
) -> None:
    response = client.get(f"/api/v1/winbacks{query}", headers=seeded["headers"]["admin"])
    assert response.status_code == 422
    assert [p["field"] for p in response.json()["problems"]] == [field]


def test_one_win_back_shows_its_churn_and_outcome_to_whoever_may_see_it(
    client: TestClient, seeded: dict[str, dict]
) -> None:
    h, ids, users = seeded["headers"], seeded["ids"], seeded["users"]
    response = client.get(f"/api/v1/winbacks/{ids['beta']}", headers=h["csm"])
    assert response.status_code == 200
    beta = response.json()
    assert {k: beta[k] for k in ("churned_on", "window_ends_on", "churn_reason", "arr", "currency")} == {
        "churned_on": str(LAST_DAY),
        "window_ends_on": str(LAST_DAY + timedelta(days=WINDOW)),
        "churn_reason": "competitor",
        "arr": "120000.00",
        "currency": "CNY",
    }
    assert (beta["outcome"], beta["closed_on"], beta["owner_id"]) == (
        "reactivated",
        str(day(10)),
        users["csm"],
    )
    alpha = client.get(f"/api/v1/winbacks/{ids['alpha']}", headers=h["manager"]).json()
    assert (alpha["outcome"], alpha["lead_since"]) == ("lost", str(day(WINDOW + 1)))
    for role in ("csm", "manager"):
        missing = client.get(f"/api/v1/winbacks/{ids['gamma']}", headers=h[role])
        assert missing.status_code == 404 and "not found" in missing.json()["message"]
    assert client.get(f"/api/v1/winbacks/{ids['gamma']}", headers=h["viewer"]).status_code == 200
    assert client.get("/api/v1/winbacks/999999", headers=h["admin"]).status_code == 404


def test_the_lead_pool_lists_the_callers_leads_with_their_contacts(
    client: TestClient, seeded: dict[str, dict]
) -> None:
    h, ids = seeded["headers"], seeded["ids"]

    def pool(role: str) -> list[dict]:
        response = client.get("/api/v1/lead-pool", headers=h[role])
        assert response.status_code == 200, response.text
        assert response.json()["total"] == len(response.json()["items"])
        return response.json()["items"]

    mine = pool("csm")
    assert [lead["win_back_id"] for lead in mine] == [ids["alpha"]]  # Beta was won back: not a lead
    assert {k: mine[0][k] for k in ("account", "owner", "churn_reason", "lead_since", "arr")} == {
        "account": "Alpha Ltd",
        "owner": "Cora Csm",
        "churn_reason": "price_budget",
        "lead_since": str(day(WINDOW + 1)),
        "arr": "120000.00",
    }
    assert [c["name"] for c in mine[0]["contacts"]] == ["Wang Fang"]  # the champion left
    assert [lead["win_back_id"] for lead in pool("other")] == [ids["gamma"]]
    assert [lead["win_back_id"] for lead in pool("manager")] == [ids["alpha"]]
    everyone = [ids["gamma"], ids["alpha"]]  # the same lead day: the newest win-back first
    assert [lead["win_back_id"] for lead in pool("admin")] == [lead["win_back_id"] for lead in pool("viewer")]
    assert [lead["win_back_id"] for lead in pool("admin")] == everyone
    assert client.get("/api/v1/lead-pool").status_code == 401
