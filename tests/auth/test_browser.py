"""The web UI in headless Chromium against a live server (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.live_server import Live, sign_in

pytestmark = pytest.mark.browser


def test_signing_in_with_the_right_password_opens_the_cockpit(page: Page, live_server: Live) -> None:
    sign_in(page, live_server, "chen", next_path=None)
    assert page.url == f"{live_server.url}/cockpit"
    expect(page.get_by_test_id("user-name")).to_have_text("Chen Jing")
    expect(page.locator(".user-box")).to_contain_text("CSM")


def test_a_wrong_password_shows_an_error_without_saying_which_part_was_wrong(
    page: Page, live_server: Live
) -> None:
    page.goto(f"{live_server.url}/login")
    page.fill("#email", "chen@example.com")
    page.fill("#password", "not-the-password")
    with page.expect_response(f"{live_server.url}/login") as answer:
        page.click("button:has-text('Sign in')")
    assert answer.value.status == 401
    expect(page.get_by_test_id("login-error")).to_have_text("Wrong e-mail or password.")
    expect(page.locator("#email")).to_have_value("chen@example.com")


def test_signing_out_ends_the_session(page: Page, live_server: Live) -> None:
    sign_in(page, live_server, "chen")
    page.click("button:has-text('Sign out')")
    page.wait_for_url(f"{live_server.url}/login")
    page.goto(f"{live_server.url}/accounts")
    assert page.url == f"{live_server.url}/login?next=/accounts"
