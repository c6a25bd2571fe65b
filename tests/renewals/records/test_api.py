"""/api/v1/renewals: the scoped list and its filters, one renewal with its forecast history, the edit and the
close — and every refusal names its field and writes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.auth.models import AuditEntry, Role
from lodestar.renewals.records import service
from lodestar.renewals.records.models import ForecastChange, Renewal
from tests.api_fixtures import bearer, client, quick_password_hashes
from tests.factories import make_account, make_contract, make_user
from tests.renewals.records.conftest import Team

__all__ = ["client", "quick_password_hashes"]
# Dates around today: a hand close is checked on today's date (a contract already ended would contradict).
START = date.today() - timedelta(days=250)
END = START + timedelta(days=365)
LATER = START + timedelta(days=31)
WINDOW = END - timedelta(days=60)


@pytest.fixture
def seeded(team: Team) -> dict[str, object]:
    """Two accounts of the CSM (one KA), one of another CSM; all three renewals open; tokens."""
    db = team.db
    other = make_user(db, Role.CSM, name="Otto Other")
    viewer = make_user(db, Role.VIEWER, name="Vera Viewer")
    ka = team.account(name="Mine KA", tier="KA")
    plain = team.account(name="Mine Plain")
    theirs = make_account(db, other, team.admin, name="Theirs Ltd")
    contracts = {
        "ka": team.contract(ka, START, END, "100000"),
        "plain": team.contract(plain, LATER, LATER + timedelta(days=365), "50000"),
        "theirs": make_contract(db, theirs, team.admin, start_date=START, end_date=END),
    }
    service.open_and_derive(db, WINDOW)
    ids = {k: team.renewal_of(c).id for k, c in contracts.items()}
    headers = {"csm": bearer(db, team.csm), "other": bearer(db, other), "viewer": bearer(db, viewer)}
    headers["admin"] = bearer(db, team.admin)
    db.commit()
    return {"ids": ids, "headers": headers}


def _rows(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)


def test_a_csm_lists_only_their_renewals_filtered_by_tier_and_forecast(
    client: TestClient, seeded: dict, team: Team
) -> None:
    ids, h = seeded["ids"], seeded["headers"]
    mine = client.get("/api/v1/renewals", headers=h["csm"]).json()
    assert [r["id"] for r in mine["items"]] == [ids["ka"], ids["plain"]] and mine["total"] == 2
    assert mine["items"][0]["arr"] == "100000.00" and mine["items"][0]["likelihood"] is None
    assert client.get("/api/v1/renewals", headers=h["admin"]).json()["total"] == 3
    assert [r["id"] for r in client.get("/api/v1/renewals?tier=KA", headers=h["csm"]).json()["items"]] == [
        ids["ka"]
    ]
    assert client.get("/api/v1/renewals?forecast=commit", headers=h["csm"]).json()["total"] == 0
    assert client.get("/api/v1/renewals?forecast=none", headers=h["csm"]).json()["total"] == 2
    assert client.get("/api/v1/renewals?status=closed", headers=h["csm"]).json()["total"] == 0
    bad = client.get("/api/v1/renewals?forecast=maybe", headers=h["csm"])
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "query.forecast"


def test_editing_the_forecast_keeps_its_history_and_an_audit_entry(
    client: TestClient, seeded: dict, team: Team, engine: Engine
) -> None:
    rid, h = seeded["ids"]["ka"], seeded["headers"]
    for category in ("likely", "commit"):
        done = client.patch(f"/api/v1/renewals/{rid}", json={"forecast": category}, headers=h["csm"])
        assert done.status_code == 200, done.text
    body = {"next_step": "QBR on the 12th", "proposal_discount": "12.5", "proposal_seats": 40,
            "documents": [{"name": "Quote", "url": "https://example.com/q.pdf"}]}  # fmt: skip
    assert client.patch(f"/api/v1/renewals/{rid}", json=body, headers=h["csm"]).status_code == 200
    got = client.get(f"/api/v1/renewals/{rid}", headers=h["csm"]).json()
    assert got["forecast"] == "commit" and got["proposal_discount"] == "12.50"
    assert got["documents"] == [{"name": "Quote", "url": "https://example.com/q.pdf"}]
    history = [(c["from_category"], c["to_category"], c["changed_by"]) for c in got["forecast_history"]]
    assert history == [(None, "likely", team.csm.id), ("likely", "commit", team.csm.id)]
    with Session(engine) as s:
        mine = (AuditEntry.entity == "renewals", AuditEntry.entity_id == rid)
        actions = s.scalars(select(AuditEntry.action).where(*mine)).all()
    assert sorted(actions) == ["renewal.update"] * 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"proposal_discount": "-5"}, "proposal_discount"),
        ({"proposal_discount": "120"}, "proposal_discount"),
        ({"forecast": "maybe"}, "forecast"),
        ({"documents": [{"name": "x", "url": "javascript:alert(1)"}]}, "documents.0.url"),
    ],
)
def test_a_bad_edit_is_refused_naming_the_field_and_writes_nothing(
    client: TestClient, seeded: dict, engine: Engine, body: dict, field: str
) -> None:
    rid, h = seeded["ids"]["ka"], seeded["headers"]
    audit_before = _rows(engine, AuditEntry)
    refused = client.patch(f"/api/v1/renewals/{rid}", json=body | {"next_step": "x"}, headers=h["csm"])
    assert refused.status_code == 422
    assert [p["field"] for p in refused.json()["problems"]] == [field]
    assert client.get(f"/api/v1/renewals/{rid}", headers=h["csm"]).json()["next_step"] is None
    assert _rows(engine, AuditEntry) == audit_before and _rows(engine, ForecastChange) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "churned"}, "reasons"),
        ({"outcome": "churned", "reasons": ["aliens"]}, "reasons"),
        ({"outcome": "contracted", "reasons": []}, "reasons"),
        ({"outcome": "sideways", "reasons": ["other"]}, "outcome"),
    ],
)
def test_a_bad_close_is_refused_naming_the_field_and_writes_nothing(
    client: TestClient, seeded: dict, engine: Engine, body: dict, field: str
) -> None:
    rid, h = seeded["ids"]["ka"], seeded["headers"]
    audit_before = _rows(engine, AuditEntry)
    refused = client.post(f"/api/v1/renewals/{rid}/close", json=body, headers=h["csm"])
    assert refused.status_code == 422, refused.text
    assert [p["field"] for p in refused.json()["problems"]] == [field]
    assert client.get(f"/api/v1/renewals/{rid}", headers=h["csm"]).json()["outcome"] is None
    assert _rows(engine, AuditEntry) == audit_before


def test_an_outcome_the_contracts_contradict_is_refused_naming_the_outcome(
    client: TestClient, seeded: dict, team: Team, engine: Engine
) -> None:
    rid, h = seeded["ids"]["ka"], seeded["headers"]
    old = team.db.get(Renewal, rid)
    account = team.db.get(Account, old.account_id)
    term = {"start_date": END, "end_date": END + timedelta(days=365), "arr": Decimal("80000")}
    renewing = make_contract(team.db, account, team.admin, renews_contract_id=old.contract_id, **term)
    team.db.commit()
    for outcome in ("churned", "expanded", "renewed_flat", "early_renewed"):
        refused = client.post(
            f"/api/v1/renewals/{rid}/close", json={"outcome": outcome, "reasons": ["price_budget"]},
            headers=h["csm"],
        )  # fmt: skip
        assert refused.status_code == 422, outcome
        assert [p["field"] for p in refused.json()["problems"]] == ["outcome"], outcome
    assert (
        str(renewing.id)
        in client.post(
            f"/api/v1/renewals/{rid}/close",
            json={"outcome": "churned", "reasons": ["other"]},
            headers=h["csm"],
        ).json()["problems"][0]["message"]
    )
    closed = client.post(
        f"/api/v1/renewals/{rid}/close", json={"outcome": "contracted", "reasons": ["price_budget"],
                                               "note": "budget cut"}, headers=h["csm"],
    )  # fmt: skip
    assert closed.status_code == 200, closed.text
    got = closed.json()
    assert (got["outcome"], got["outcome_source"], got["reasons"], got["note"]) == (
        "contracted", "hand", ["price_budget"], "budget cut",
    )  # fmt: skip
    assert (got["renewal_arr"], got["contraction_arr"], got["churn_arr"]) == ("80000.00", "20000.00", "0.00")
    assert got["closed_by"] == team.csm.id and got["renewing_contract_id"] == renewing.id
    again = client.patch(f"/api/v1/renewals/{rid}", json={"forecast": "lost"}, headers=h["csm"])
    assert again.status_code == 422 and again.json()["problems"][0]["field"] == "forecast"


def test_another_csms_renewal_is_not_found_and_a_viewer_may_not_change_one(
    client: TestClient, seeded: dict, engine: Engine
) -> None:
    ids, h = seeded["ids"], seeded["headers"]
    theirs = ids["theirs"]
    assert client.get(f"/api/v1/renewals/{theirs}", headers=h["csm"]).status_code == 404
    assert (
        client.patch(f"/api/v1/renewals/{theirs}", json={"forecast": "lost"}, headers=h["csm"]).status_code
        == 404
    )
    close = {"outcome": "churned", "reasons": ["other"]}
    assert client.post(f"/api/v1/renewals/{theirs}/close", json=close, headers=h["csm"]).status_code == 404
    assert client.get(f"/api/v1/renewals/{theirs}", headers=h["other"]).status_code == 200
    assert (
        client.patch(f"/api/v1/renewals/{theirs}", json={"forecast": "lost"}, headers=h["viewer"]).status_code
        == 403
    )
    with Session(engine) as s:
        assert s.get(Renewal, theirs).forecast is None and s.get(Renewal, theirs).outcome is None
