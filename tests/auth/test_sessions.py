"""Sessions end: sign-out and password change revoke cookies; tokens are listed and revoked."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from lodestar.app import create_app
from lodestar.auth.models import Role
from lodestar.settings import load_settings
from tests.api_fixtures import Team
from tests.factories import PASSWORD, make_user


def _signed_in(db_url: str, tmp_path, email: str) -> TestClient:
    client = TestClient(create_app(load_settings(database_url=db_url, data_dir=tmp_path)))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    form = {"csrf_token": token.group(1), "email": email, "password": PASSWORD}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    return client


def _csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/accounts").text)
    assert found
    return found.group(1)


def test_a_cookie_copied_before_sign_out_no_longer_works(db: Session, db_url: str, tmp_path) -> None:
    user = make_user(db, Role.CSM)
    db.commit()
    browser = _signed_in(db_url, tmp_path, user.email)
    thief = TestClient(browser.app, cookies=dict(browser.cookies))
    assert thief.get("/api/v1/me").status_code == 200
    assert (
        browser.post("/logout", data={"csrf_token": _csrf(browser)}, follow_redirects=False).status_code
        == 303
    )
    assert thief.get("/api/v1/me").status_code == 401
    assert thief.get("/accounts", follow_redirects=False).status_code == 303


def test_changing_ones_password_needs_the_current_one_and_ends_sessions(
    db: Session, db_url: str, tmp_path, client: TestClient, team: Team
) -> None:
    browser = _signed_in(db_url, tmp_path, team.csm.user.email)
    path = f"/api/v1/users/{team.csm.id}"
    bare = client.patch(path, json={"password": "a-new-password"}, headers=team.csm.headers)
    assert bare.status_code == 422
    assert [p["field"] for p in bare.json()["problems"]] == ["current_password"]
    wrong = {"password": "a-new-password", "current_password": "not-it-at-all"}
    assert client.patch(path, json=wrong, headers=team.csm.headers).status_code == 422
    assert browser.get("/api/v1/me").status_code == 200
    right = {"password": "a-new-password", "current_password": PASSWORD}
    assert client.patch(path, json=right, headers=team.csm.headers).status_code == 200
    assert browser.get("/api/v1/me").status_code == 401
    # An admin resets someone else's password without knowing it.
    reset = client.patch(path, json={"password": "reset-by-admin"}, headers=team.admin.headers)
    assert reset.status_code == 200


def test_tokens_are_listed_and_revoked_by_their_owner_and_by_admins(client: TestClient, team: Team) -> None:
    minted = client.post("/api/v1/tokens", json={"name": "laptop"}, headers=team.csm.headers).json()
    mine = client.get("/api/v1/tokens", headers=team.csm.headers).json()
    assert {t["user_id"] for t in mine} == {team.csm.id} and "token" not in mine[0]
    assert minted["id"] in {t["id"] for t in mine}
    everyone = client.get("/api/v1/tokens", headers=team.admin.headers).json()
    assert {t["user_id"] for t in everyone} >= {team.csm.id, team.other_csm.id}
    # Another CSM's token is simply not there for them.
    assert client.delete(f"/api/v1/tokens/{minted['id']}", headers=team.other_csm.headers).status_code == 404
    assert client.delete(f"/api/v1/tokens/{minted['id']}", headers=team.csm.headers).status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {minted['token']}"}).status_code == 401
    own = next(t["id"] for t in mine if t["id"] != minted["id"])
    assert client.delete(f"/api/v1/tokens/{own}", headers=team.admin.headers).status_code == 204
    assert client.get("/api/v1/me", headers=team.csm.headers).status_code == 401
