"""The import API obeys the same rule as the upload pages: only admins import, and a refusal tells nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account, Contact
from lodestar.engagement.models import Touch
from tests.api_fixtures import Team, count
from tests.factories import make_account


def _upload(client: TestClient, headers: dict[str, str], kind: str, csv: str, dry_run: bool = False):
    files = {"file": (f"{kind}.csv", csv.encode(), "text/csv")}
    suffix = "?dry_run=true" if dry_run else ""
    return client.post(f"/api/v1/imports/{kind}{suffix}", headers=headers, files=files)


@pytest.fixture
def victim(db: Session, team: Team) -> Account:
    """An account of the CSM outside the manager's team."""
    account = make_account(db, team.other_csm.user, team.admin.user, name="Victim Co", crm_id="CRM-81")
    db.commit()
    return account


def _takeover(team: Team, owner_email: str) -> str:
    return f"crm_id,name,owner\nCRM-81,HIJACKED,{owner_email}\n"


@pytest.mark.parametrize("who", ["csm", "manager"])
def test_a_csm_or_another_teams_manager_cannot_take_over_an_account(
    client: TestClient, db: Session, team: Team, victim: Account, who: str
) -> None:
    member = getattr(team, who)
    response = _upload(client, member.headers, "accounts", _takeover(team, member.user.email))
    assert response.status_code == 403, response.text
    db.expire_all()
    account = db.get(Account, victim.id)
    assert account is not None
    assert (account.name, account.owner_id) == ("Victim Co", team.other_csm.id)


@pytest.mark.parametrize("kind", ["contacts", "touches"])
def test_a_csm_cannot_add_records_to_another_csms_account(
    client: TestClient, engine: Engine, team: Team, victim: Account, kind: str
) -> None:
    csv = {
        "contacts": "account,name\nCRM-81,Mallory\n",
        "touches": f"account,user,kind,occurred_at\nCRM-81,{team.csm.user.email},call,2025-01-01T10:00\n",
    }[kind]
    assert _upload(client, team.csm.headers, kind, csv).status_code == 403
    assert count(engine, Contact) == 0 and count(engine, Touch) == 0


@pytest.mark.parametrize("who", ["csm", "manager", "viewer"])
def test_a_dry_run_does_not_tell_whether_a_crm_id_exists(
    client: TestClient, team: Team, victim: Account, who: str
) -> None:
    headers = getattr(team, who).headers
    taken = _upload(client, headers, "accounts", "crm_id,name\nCRM-81,X\n", dry_run=True)
    free = _upload(client, headers, "accounts", "crm_id,name\nCRM-99999,X\n", dry_run=True)
    assert taken.status_code == free.status_code == 403
    assert taken.json() == free.json()


def test_an_admin_imports_and_the_openapi_states_the_rule(
    client: TestClient, db: Session, team: Team, victim: Account
) -> None:
    response = _upload(client, team.admin.headers, "accounts", _takeover(team, team.csm.user.email))
    assert response.status_code == 200, response.text
    assert response.json()["updated"] == 1
    db.expire_all()
    assert db.scalar(select(Account.owner_id).where(Account.id == victim.id)) == team.csm.id
    route = client.get("/openapi.json").json()["paths"]["/api/v1/imports/{kind}"]["post"]
    assert "Only admins may import" in route["description"]
