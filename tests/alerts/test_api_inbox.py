"""/api/v1/alerts: the inbox with its filters, one alert, the actions; row-level scope and refusals that name
the field, evidence in the caller's language."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from lodestar.alerts.models import Alert
from lodestar.auth.models import User
from tests.alerts.inbox_data import Crew, crew
from tests.api_fixtures import bearer, client, quick_password_hashes

__all__ = ["client", "crew", "quick_password_hashes"]


def _headers(db: Session, *users: User) -> list[dict[str, str]]:
    found = [bearer(db, u) for u in users]
    db.commit()
    return found


def test_the_list_is_scoped_filtered_and_worded_in_the_callers_language(
    client: TestClient, db: Session, crew: Crew
) -> None:
    csm, manager, admin = _headers(db, crew.csm, crew.manager, crew.admin)
    mine = client.get("/api/v1/alerts", headers=csm).json()
    assert mine["total"] == 2
    first = mine["items"][0]
    assert (first["rule_key"], first["account_name"], first["owner_name"]) == (
        "health_red",
        "Mine Ltd",
        "Cora Csm",
    )
    assert first["evidence_text"] == ["active-user ratio 0.42 -> 0.21"]
    chinese = client.get(f"/api/v1/alerts/{first['id']}", headers=csm | {"Accept-Language": "zh-CN"}).json()
    assert chinese["evidence_text"] != first["evidence_text"] and "0.21" in chinese["evidence_text"][0]
    assert client.get("/api/v1/alerts?severity=warning", headers=manager).json()["total"] == 2
    assert client.get("/api/v1/alerts?state=all", headers=admin).json()["total"] == 5
    assert client.get(f"/api/v1/alerts?owner_id={crew.mate.id}", headers=manager).json()["total"] == 1
    bad = client.get("/api/v1/alerts?severity=urgent", headers=admin)
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "query.severity"
    counts = client.get("/api/v1/alerts/counts", headers=csm).json()
    assert (counts["by_severity"], counts["new"]) == ({"critical": 1, "warning": 1, "info": 0}, 2)


def test_actions_change_the_alert_or_are_refused_naming_the_field(
    client: TestClient, db: Session, crew: Crew
) -> None:
    (csm,) = _headers(db, crew.csm)
    red, usage = crew.alerts["red"], crew.alerts["usage"]
    acked = client.post(f"/api/v1/alerts/{red}/acknowledge", headers=csm)
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
    again = client.post(f"/api/v1/alerts/{red}/acknowledge", headers=csm)
    assert again.status_code == 422
    assert again.json()["problems"] == [{"field": "state", "message": f"alert {red} is already acknowledged"}]
    past = client.post(f"/api/v1/alerts/{red}/snooze", json={"until": "2020-01-01"}, headers=csm)
    assert past.status_code == 422 and past.json()["problems"][0]["field"] == "until"
    typo = client.post(f"/api/v1/alerts/{red}/snooze", json={"untill": "2099-01-01"}, headers=csm)
    assert typo.status_code == 422 and {p["field"] for p in typo.json()["problems"]} == {"until", "untill"}
    snoozed = client.post(f"/api/v1/alerts/{red}/snooze", json={"until": "2099-01-01"}, headers=csm)
    assert snoozed.json()["snoozed_until"] == "2099-01-01"
    blank = client.post(f"/api/v1/alerts/{usage}/resolve", json={"reason": "  "}, headers=csm)
    assert blank.status_code == 422 and blank.json()["problems"][0]["field"] == "reason"
    done = client.post(f"/api/v1/alerts/{usage}/resolve", json={"reason": "Usage is back"}, headers=csm)
    assert (done.json()["state"], done.json()["resolve_reason"]) == ("resolved", "Usage is back")


def test_another_csms_alert_is_not_found_and_a_viewer_may_only_read(
    client: TestClient, db: Session, crew: Crew
) -> None:
    csm, viewer = _headers(db, crew.csm, crew.viewer)
    theirs = crew.alerts["theirs"]
    for method, path, body in (
        ("GET", f"/api/v1/alerts/{theirs}", None),
        ("POST", f"/api/v1/alerts/{theirs}/acknowledge", None),
        ("POST", f"/api/v1/alerts/{theirs}/snooze", {"until": "2099-01-01"}),
        ("POST", f"/api/v1/alerts/{theirs}/resolve", {"reason": "HIJACKED"}),
    ):
        answer = client.request(method, path, json=body, headers=csm)
        assert (answer.status_code, answer.json()["message"]) == (404, f"alert {theirs} not found"), path
    assert client.get(f"/api/v1/alerts/{theirs}", headers=viewer).status_code == 200
    assert client.post(f"/api/v1/alerts/{crew.alerts['red']}/acknowledge", headers=viewer).status_code == 403


def test_bulk_acknowledge_changes_all_or_none(client: TestClient, db: Session, crew: Crew) -> None:
    (manager,) = _headers(db, crew.manager)
    a = crew.alerts
    refused = client.post(
        "/api/v1/alerts/bulk-acknowledge", json={"alert_ids": [a["red"], a["theirs"]]}, headers=manager
    )
    assert refused.status_code == 422
    assert refused.json()["problems"] == [
        {"field": "alert_ids[1]", "message": f"alert {a['theirs']} not found"}
    ]
    db.expire_all()
    assert db.get(Alert, a["red"]).state == "open"  # type: ignore[union-attr]
    done = client.post(
        "/api/v1/alerts/bulk-acknowledge", json={"alert_ids": [a["red"], a["usage"]]}, headers=manager
    )
    assert done.json() == {"alert_ids": [a["red"], a["usage"]]}
    empty = client.post("/api/v1/alerts/bulk-acknowledge", json={"alert_ids": []}, headers=manager)
    assert empty.status_code == 422 and empty.json()["problems"][0]["field"] == "alert_ids"
