"""The success-plan API: read and write a plan, add and change milestones, lists scoped to the caller,
bad input refused naming the field with nothing written (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.api_fixtures import Team
from tests.factories import make_account, make_contract

GO_LIVE = {
    "kind": "module_go_live",
    "title": "Finance live",
    "target_on": "2026-03-01",
    "owner_side": "theirs",
}


def _account(db: Session, team: Team) -> int:
    account = make_account(db, team.csm.user, team.admin.user, expectations="Faster close")
    make_contract(db, account, team.admin.user, start_date=date(2026, 1, 1))
    db.commit()
    return account.id


def test_a_csm_writes_and_reads_their_accounts_plan(client: TestClient, db: Session, team: Team) -> None:
    account = _account(db, team)
    body = {
        "objectives": "Books closed in 3 days",
        "milestones": [GO_LIVE | {"status": "reached", "reached_on": "2026-02-20"}],
    }
    put = client.put(f"/api/v1/accounts/{account}/success-plan", json=body, headers=team.csm.headers)
    assert put.status_code == 200, put.text
    plan = client.get(f"/api/v1/accounts/{account}/success-plan", headers=team.csm.headers).json()
    assert (plan["expectations"], plan["objectives"]) == ("Faster close", "Books closed in 3 days")
    [milestone] = plan["milestones"]
    assert (milestone["title"], milestone["owner_side"], milestone["reached_on"]) == (
        "Finance live",
        "theirs",
        "2026-02-20",
    )
    assert (plan["attainment"]["due"], plan["attainment"]["reached_on_time"]) == (1, 1)
    hr = GO_LIVE | {"title": "HR live", "target_on": "2026-09-01"}
    added = client.post(f"/api/v1/accounts/{account}/milestones", json=hr, headers=team.csm.headers)
    assert added.status_code == 201, added.text
    later = hr | {"target_on": "2026-10-01"}
    changed = client.put(f"/api/v1/milestones/{added.json()['id']}", json=later, headers=team.csm.headers)
    assert changed.json()["target_on"] == "2026-10-01"
    listed = client.get("/api/v1/milestones", params={"account_id": account}, headers=team.csm.headers).json()
    assert [m["title"] for m in listed] == ["Finance live", "HR live"]
    assert client.get("/api/v1/milestones", headers=team.other_csm.headers).json() == []
    assert (
        len(client.get("/api/v1/milestones", headers=team.manager.headers).json()) == 2
    )  # the CSM's manager


def test_bad_milestones_are_refused_naming_the_field_and_nothing_is_written(
    client: TestClient, db: Session, team: Team
) -> None:
    account = _account(db, team)
    url = f"/api/v1/accounts/{account}/milestones"
    cases = [
        (GO_LIVE | {"target_on": "2025-12-31"}, "target_on", "is before the contract start 2026-01-01"),
        (GO_LIVE | {"metric": "no_such", "target_value": 1}, "metric", "unknown metric no_such"),
        (GO_LIVE | {"target_value": 0.8}, "input", "a target value needs a metric"),
        (GO_LIVE | {"target_on": "01/03/2026"}, "target_on", None),
    ]
    for body, field, message in cases:
        answer = client.post(url, json=body, headers=team.csm.headers)
        assert answer.status_code == 422, answer.text
        problem = answer.json()["problems"][0]
        assert problem["field"] == field, answer.text
        assert message is None or problem["message"] == message
    assert client.get("/api/v1/milestones", headers=team.admin.headers).json() == []


def test_a_chinese_caller_reads_the_refusal_in_chinese(client: TestClient, db: Session, team: Team) -> None:
    account = _account(db, team)
    team.csm.user.locale = "zh_CN"
    db.commit()
    headers = team.csm.headers
    answer = client.post(f"/api/v1/accounts/{account}/milestones", json=GO_LIVE | {"target_on": "2025-12-31"},
                         headers=headers)  # fmt: skip
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["message"] in (
        "早于合同开始日期 2026-01-01",
        "is before the contract start 2026-01-01",
    )


def test_another_csms_account_and_milestone_are_not_found_and_a_viewer_may_not_write(
    client: TestClient, db: Session, team: Team
) -> None:
    account = _account(db, team)
    mine = client.post(
        f"/api/v1/accounts/{account}/milestones", json=GO_LIVE, headers=team.csm.headers
    ).json()
    other = team.other_csm.headers
    assert client.get(f"/api/v1/accounts/{account}/success-plan", headers=other).status_code == 404
    assert (
        client.put(
            f"/api/v1/accounts/{account}/success-plan", json={"objectives": "x"}, headers=other
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/milestones/{mine['id']}", headers=other).status_code == 404
    assert client.put(f"/api/v1/milestones/{mine['id']}", json=GO_LIVE, headers=other).status_code == 404
    assert client.get("/api/v1/milestones", params={"account_id": account}, headers=other).status_code == 404
    viewer = client.put(
        f"/api/v1/accounts/{account}/success-plan", json={"objectives": "x"}, headers=team.viewer.headers
    )
    assert viewer.status_code == 403
