"""Page behaviour over plain HTTP against the live server: CSRF, redirects, roles, fragments."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from lodestar.accounts.models import Account
from tests.factories import PASSWORD
from tests.live_server import Live, csrf_of, signed_in_client


def test_a_form_without_the_csrf_token_is_refused_and_writes_nothing(live_server: Live) -> None:
    client = signed_in_client(live_server, "gao")
    response = client.post("/accounts/new", data={"name": "Forged Ltd"})
    assert response.status_code == 403
    assert "did not come from Lodestar" in response.text
    with live_server.engine.connect() as conn:
        assert conn.scalar(select(func.count()).where(Account.name == "Forged Ltd")) == 0


def test_signing_in_without_the_csrf_token_is_refused(live_server: Live) -> None:
    with httpx.Client(base_url=live_server.url) as client:
        response = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    assert response.status_code == 403


def test_login_only_follows_next_to_local_paths(live_server: Live) -> None:
    with httpx.Client(base_url=live_server.url) as client:
        token = csrf_of(client.get("/login").text)
        for target, expected in (
            ("/accounts?tier=KA", "/accounts?tier=KA"),
            ("https://evil.example/", "/cockpit"),
            ("//evil.example", "/cockpit"),
        ):
            client.cookies.clear()
            token = csrf_of(client.get("/login").text)
            response = client.post(
                "/login",
                data={
                    "email": "admin@example.com",
                    "password": PASSWORD,
                    "csrf_token": token,
                    "next": target,
                },
            )
            assert (response.status_code, response.headers["location"]) == (303, expected)


def test_the_home_page_sends_a_stranger_to_the_login_form(live_server: Live) -> None:
    with httpx.Client(base_url=live_server.url, follow_redirects=True) as client:
        response = client.get("/")
    assert response.url.path == "/login"
    assert "Sign in to your account" in response.text


def test_a_viewer_sees_no_forms_and_cannot_post_one(live_server: Live) -> None:
    client = signed_in_client(live_server, "viewer")
    assert "New account" not in client.get("/accounts").text
    account_page = client.get(f"/accounts/{live_server.accounts['Aurora Retail']}").text
    assert "Aurora Retail" in account_page and "Edit account" not in account_page
    token = csrf_of(account_page)
    assert client.get("/accounts/new").status_code == 403
    assert client.post("/accounts/new", data={"csrf_token": token, "name": "Viewer Co"}).status_code == 403


def test_an_unknown_language_is_refused_naming_the_field(live_server: Live) -> None:
    client = signed_in_client(live_server, "viewer")
    token = csrf_of(client.get("/accounts").text)
    response = client.post("/language", data={"csrf_token": token, "locale": "fr"})
    assert response.status_code == 422
    assert "locale" in response.text
