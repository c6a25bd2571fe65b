"""The SOP JSON API: task inbox, actions, touches, manual starts; bad input gets 422 naming the field."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from lodestar.sop.tasks import service
from tests.api_fixtures import Team, client, quick_password_hashes, team
from tests.factories import make_account
from tests.sop.conftest import DAY, entry

__all__ = ["client", "quick_password_hashes", "team"]


def _seed(db: Session, team: Team) -> int:
    account = make_account(db, team.csm.user, team.admin.user, name="Acme")
    service.fire_stage_entries(db, [entry(account.id, "onboarding")], lifecycle_first_stage="handover")
    db.commit()
    return account.id


def test_the_inbox_lists_actions_and_refusals(client: TestClient, db: Session, team: Team) -> None:
    account_id = _seed(db, team)
    page = client.get("/api/v1/tasks?bucket=all&limit=10", headers=team.csm.headers).json()
    assert page["total"] == 5 and page["items"][0]["step_key"] == "kickoff_meeting"
    ids = {t["step_key"]: t["id"] for t in page["items"]}
    assert client.get("/api/v1/tasks?bucket=all", headers=team.other_csm.headers).json()["total"] == 0
    assert client.get(f"/api/v1/tasks/{ids['tier_sla']}", headers=team.other_csm.headers).status_code == 404

    bad = client.post(
        f"/api/v1/tasks/{ids['kickoff_meeting']}/complete", json={"note": "met"}, headers=team.csm.headers
    )
    assert bad.status_code == 422
    assert bad.json()["problems"] == [
        {
            "field": "evidence.touch_id",
            "message": "is required: this step needs a meeting/visit touch; log the touch",
        }
    ]
    typo = client.post(
        f"/api/v1/tasks/{ids['tier_sla']}/complete", json={"tick": True}, headers=team.csm.headers
    )
    assert typo.status_code == 422 and typo.json()["problems"][0]["field"] == "tick"
    done = client.post(
        f"/api/v1/tasks/{ids['tier_sla']}/complete", json={"checkbox": True}, headers=team.csm.headers
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = client.post(
        f"/api/v1/tasks/{ids['tier_sla']}/complete", json={"checkbox": True}, headers=team.csm.headers
    )
    assert again.status_code == 409

    no_reason = client.post(
        f"/api/v1/tasks/{ids['help_docs']}/skip", json={"reason": " "}, headers=team.csm.headers
    )
    assert no_reason.status_code == 422 and no_reason.json()["problems"][0]["field"] == "reason"
    skipped = client.post(
        f"/api/v1/tasks/{ids['help_docs']}/skip", json={"reason": "n/a"}, headers=team.csm.headers
    )
    assert skipped.json()["skip_reason"] == "n/a"

    moved = client.post(
        f"/api/v1/tasks/{ids['mutual_commitments']}/reassign",
        json={"assignee_id": team.manager.id},
        headers=team.csm.headers,
    )
    assert moved.status_code == 200 and moved.json()["assignee_name"] == "Max Manager"
    viewer = client.post(
        f"/api/v1/tasks/{ids['targeted_training']}/skip", json={"reason": "x"}, headers=team.viewer.headers
    )
    assert viewer.status_code == 403

    touch = {
        "kind": "meeting",
        "occurred_at": f"{DAY + timedelta(days=1)}T09:00:00+08:00",
        "subject": "Kickoff",
    }
    logged = client.post(f"/api/v1/accounts/{account_id}/touches", json=touch, headers=team.csm.headers)
    assert logged.status_code == 201 and logged.json()["completed_task_ids"] == [ids["kickoff_meeting"]]
    naive = client.post(
        f"/api/v1/accounts/{account_id}/touches",
        json={"kind": "phone", "occurred_at": "2026-03-03T09:00:00"},
        headers=team.csm.headers,
    )
    assert naive.status_code == 422
    assert {p["field"] for p in naive.json()["problems"]} == {"kind", "occurred_at"}


def test_manual_start_and_playbook_list(client: TestClient, db: Session, team: Team) -> None:
    account_id = _seed(db, team)
    started = client.post(
        f"/api/v1/accounts/{account_id}/playbooks",
        json={"playbook_key": "at_risk", "on": "2026-04-01"},
        headers=team.csm.headers,
    )
    assert started.status_code == 201
    assert (started.json()["trigger_kind"], started.json()["triggered_on"]) == ("manual", "2026-04-01")
    unknown = client.post(
        f"/api/v1/accounts/{account_id}/playbooks", json={"playbook_key": "zzz"}, headers=team.csm.headers
    )
    assert unknown.status_code == 422 and unknown.json()["problems"][0]["field"] == "playbook_key"
    hidden = client.post(
        f"/api/v1/accounts/{account_id}/playbooks",
        json={"playbook_key": "at_risk"},
        headers=team.other_csm.headers,
    )
    assert hidden.status_code == 404
    listed = client.get("/api/v1/playbooks", headers=team.viewer.headers).json()
    assert listed["version"] == 0 and [p["key"] for p in listed["playbooks"]][:2] == [
        "handover",
        "onboarding",
    ]
    counts = client.get("/api/v1/tasks/counts", headers=team.csm.headers).json()
    assert set(counts) == {"today", "overdue", "upcoming"}
