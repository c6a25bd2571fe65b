"""The web UI in headless Chromium against a live server (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from lodestar.accounts.models import Account
from tests.live_server import Live, sign_in

pytestmark = pytest.mark.browser


def test_creating_an_account_through_the_form_opens_its_page(page: Page, live_server: Live) -> None:
    sign_in(page, live_server, "gao")
    page.click("text=New account")
    page.fill("#f-name", "Granite Works")
    page.fill("#f-industry", "Manufacturing")
    page.fill("#f-employees", "340")
    page.fill("#f-tags", "pilot, north")
    page.fill("#f-purchase_intent", "Cut churn in the dealer network")
    page.click("button:has-text('Save')")
    page.wait_for_url(re.compile(r"/accounts/\d+$"))
    expect(page.locator("h2.page-title")).to_contain_text("Granite Works")
    expect(page.get_by_test_id("owner")).to_have_text("Gao Fei")
    expect(page.get_by_test_id("profile")).to_contain_text("pilot")
    expect(page.get_by_test_id("portrait")).to_contain_text("Cut churn in the dealer network")


def test_an_invalid_account_form_names_the_field_and_writes_nothing(page: Page, live_server: Live) -> None:
    sign_in(page, live_server, "gao")
    with live_server.engine.connect() as conn:
        before = conn.scalar(select(func.count()).select_from(Account))
    page.goto(f"{live_server.url}/accounts/new")
    page.fill("#f-name", "Half Written Ltd")
    page.fill("#f-crm_id", "CRM-001")  # already Aurora Retail's
    with page.expect_response(f"{live_server.url}/accounts/new") as answer:
        page.click("button:has-text('Save')")
    assert answer.value.status == 422
    problem = page.locator("[data-field-error=crm_id]")
    expect(problem).to_contain_text("'CRM-001' is already used by another account")
    expect(page.locator("#f-crm_id")).to_have_class(re.compile("is-invalid"))
    expect(page.locator("#f-name")).to_have_value("Half Written Ltd")
    with live_server.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Account)) == before
        assert (
            conn.scalar(select(func.count()).select_from(Account).where(Account.name == "Half Written Ltd"))
            == 0
        )
