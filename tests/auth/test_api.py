"""The caller, tokens and users over /api/v1."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lodestar.auth import service as auth_service
from lodestar.auth.deps import sign_in
from lodestar.auth.models import ApiToken, User
from tests.api_fixtures import Team, count


def test_a_request_without_a_token_gets_401_with_a_code_and_message(client, team: Team):
    res = client.get("/api/v1/me")
    assert res.status_code == 401
    assert res.json()["code"] == "login_required"
    assert "Bearer" in res.json()["message"]


def test_a_request_with_an_unknown_token_gets_401(client, team: Team):
    res = client.get("/api/v1/accounts", headers={"Authorization": "Bearer lst_not-a-real-token"})
    assert res.status_code == 401
    assert res.json()["code"] == "login_required"
    assert res.json()["message"]


def test_a_token_of_a_deactivated_user_no_longer_works(client, team: Team):
    res = client.patch(f"/api/v1/users/{team.csm.id}", json={"active": False}, headers=team.admin.headers)
    assert res.status_code == 200
    assert client.get("/api/v1/me", headers=team.csm.headers).status_code == 401


def test_me_shows_the_caller_without_the_password_hash(client, team: Team):
    res = client.get("/api/v1/me", headers=team.csm.headers)
    assert res.status_code == 200
    body = res.json()
    assert body["id"] == team.csm.id
    assert body["name"] == "Cora Csm"
    assert body["role"] == "csm"
    assert body["manager_id"] == team.manager.id
    assert "password_hash" not in body


def test_the_browser_session_works_for_reads_but_not_for_writes(client, team: Team, db: Session):
    def test_sign_in(request: Request) -> dict[str, bool]:
        sign_in(request, auth_service.get_user(db, team.csm.id))
        return {"signed_in": True}

    # A tiny route that uses the real sign_in, so this test does not depend on the login form.
    client.app.add_api_route("/test-sign-in", test_sign_in, methods=["POST"])
    assert client.post("/test-sign-in").status_code == 200
    assert client.get("/api/v1/me").json()["id"] == team.csm.id
    res = client.post("/api/v1/accounts", json={"name": "Cookie Co"})
    assert res.status_code == 401
    assert res.json()["code"] == "login_required"


def test_a_minted_token_is_shown_once_and_then_authenticates(client, team: Team, engine: Engine):
    before = count(engine, ApiToken)
    res = client.post("/api/v1/tokens", json={"name": "ci pipeline"}, headers=team.viewer.headers)
    assert res.status_code == 201
    body = res.json()
    assert body["name"] == "ci pipeline"
    assert body["token"].startswith("lst_")
    assert count(engine, ApiToken) == before + 1
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json()["id"] == team.viewer.id


def test_a_token_with_an_empty_name_is_refused_naming_the_field(client, team: Team, engine: Engine):
    before = count(engine, ApiToken)
    res = client.post("/api/v1/tokens", json={"name": "  "}, headers=team.csm.headers)
    assert res.status_code == 422
    assert [p["field"] for p in res.json()["problems"]] == ["name"]
    assert count(engine, ApiToken) == before


def test_admins_and_managers_list_every_user_and_others_get_403(client, team: Team):
    for member in (team.admin, team.manager):
        res = client.get("/api/v1/users", headers=member.headers)
        assert res.status_code == 200
        assert sorted(u["name"] for u in res.json()) == [
            "Ada Admin",
            "Cora Csm",
            "Max Manager",
            "Otto Other",
            "Vera Viewer",
        ]
    for member in (team.csm, team.viewer):
        res = client.get("/api/v1/users", headers=member.headers)
        assert res.status_code == 403
        assert res.json()["code"] == "permission_denied"


def test_a_csm_may_read_themselves_but_not_another_user(client, team: Team):
    assert client.get(f"/api/v1/users/{team.csm.id}", headers=team.csm.headers).json()["name"] == "Cora Csm"
    assert client.get(f"/api/v1/users/{team.other_csm.id}", headers=team.csm.headers).status_code == 403
    assert client.get("/api/v1/users/99999", headers=team.admin.headers).status_code == 404


def test_an_admin_creates_a_user_who_can_then_be_read_back(client, team: Team):
    res = client.post(
        "/api/v1/users",
        headers=team.admin.headers,
        json={
            "email": "Nina@Example.com",
            "name": "Nina New",
            "role": "csm",
            "locale": "zh_CN",
            "manager_id": team.manager.id,
            "password": "long-enough-pw",
        },
    )
    assert res.status_code == 201
    created = res.json()
    assert created["email"] == "nina@example.com"
    assert created["locale"] == "zh_CN"
    assert created["manager_id"] == team.manager.id
    assert created["active"] is True
    read = client.get(f"/api/v1/users/{created['id']}", headers=team.manager.headers).json()
    assert read == created


def test_only_admins_create_users(client, team: Team, engine: Engine):
    body = {"email": "x@example.com", "name": "X", "password": "long-enough-pw"}
    for member in (team.manager, team.csm, team.viewer):
        assert client.post("/api/v1/users", json=body, headers=member.headers).status_code == 403
    assert count(engine, User) == 5


def test_a_duplicate_user_email_is_a_409_naming_the_email(client, team: Team, engine: Engine):
    res = client.post(
        "/api/v1/users",
        headers=team.admin.headers,
        json={"email": team.csm.user.email.upper(), "name": "Twin", "password": "long-enough-pw"},
    )
    assert res.status_code == 409
    assert res.json()["code"] == "conflict"
    assert res.json()["message"].startswith("email:")
    assert count(engine, User) == 5


def test_a_bad_user_email_and_short_password_are_both_named(client, team: Team, engine: Engine):
    res = client.post(
        "/api/v1/users",
        headers=team.admin.headers,
        json={"email": "not-an-email", "name": "Bad", "password": "short"},
    )
    assert res.status_code == 422
    assert sorted(p["field"] for p in res.json()["problems"]) == ["email", "password"]
    assert count(engine, User) == 5


def test_an_unknown_manager_and_an_unknown_field_are_refused(client, team: Team, engine: Engine):
    base = {"email": "m@example.com", "name": "M", "password": "long-enough-pw"}
    res = client.post("/api/v1/users", headers=team.admin.headers, json={**base, "manager_id": 4242})
    assert res.status_code == 422
    assert res.json()["problems"][0]["field"] == "manager_id"
    res = client.post("/api/v1/users", headers=team.admin.headers, json={**base, "is_superuser": True})
    assert res.status_code == 422
    assert res.json()["problems"][0]["field"] == "is_superuser"
    assert count(engine, User) == 5


def test_patching_a_user_records_the_changed_fields_in_the_audit_log(client, team: Team, db: Session):
    res = client.patch(
        f"/api/v1/users/{team.other_csm.id}",
        headers=team.admin.headers,
        json={"name": "Otto Renamed", "manager_id": team.manager.id, "locale": "en"},
    )
    assert res.status_code == 200
    assert res.json()["name"] == "Otto Renamed"
    assert res.json()["manager_id"] == team.manager.id
    db.rollback()  # start a fresh transaction so the app's commit is visible
    latest = auth_service.history(db, "user", team.other_csm.id)[0]
    assert latest.action == "update"
    assert latest.actor_id == team.admin.id
    assert latest.changes == {"name": "Otto Renamed", "manager_id": team.manager.id}


def test_a_csm_may_rename_themselves_but_not_change_their_role(client, team: Team, db: Session):
    res = client.patch(f"/api/v1/users/{team.csm.id}", headers=team.csm.headers, json={"name": "Cora C."})
    assert res.status_code == 200
    assert res.json()["name"] == "Cora C."
    res = client.patch(f"/api/v1/users/{team.csm.id}", headers=team.csm.headers, json={"role": "admin"})
    assert res.status_code == 403
    db.rollback()
    assert auth_service.get_user(db, team.csm.id).role == "csm"
