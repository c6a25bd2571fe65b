"""The web UI in headless Chromium against a live server (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.live_server import Live, sign_in

pytestmark = pytest.mark.browser


def test_the_account_page_shows_profile_stakeholders_and_contracts(page: Page, live_server: Live) -> None:
    sign_in(page, live_server, "chen")
    page.click("text=Aurora Retail")
    page.wait_for_url(f"{live_server.url}/accounts/{live_server.accounts['Aurora Retail']}")
    expect(page.locator("h2.page-title")).to_contain_text("Aurora Retail")
    expect(page.get_by_test_id("industry")).to_have_text("Retail")
    expect(page.get_by_test_id("owner")).to_have_text("Chen Jing")
    expect(page.get_by_test_id("arr")).to_have_text("360,000 CNY")
    expect(page.get_by_test_id("portrait")).to_contain_text("Omni-channel apparel retail")
    stakeholders = page.get_by_test_id("stakeholders")
    expect(stakeholders.locator("tbody tr")).to_have_count(3)
    expect(stakeholders.locator("tr:has-text('Zhang Min')")).to_contain_text("Decision maker")
    left = stakeholders.locator("tr.contact-left")
    expect(left).to_have_count(1)
    expect(left).to_contain_text("Wu Lei")
    expect(left).to_contain_text("Left 2026-03-01")
    contracts = page.get_by_test_id("contracts")
    expect(contracts.locator("tbody tr")).to_have_count(2)
    expect(contracts.locator("tbody tr").first).to_contain_text("360,000 CNY")
    expect(contracts.locator("tbody tr").first).to_contain_text("2025-01-01 → 2026-01-01")
    expect(contracts.locator("tbody tr").nth(1)).to_contain_text("New business")
    expect(page.get_by_test_id("history")).to_contain_text("Ada Admin")


def test_a_csm_opening_another_csms_account_gets_not_found(page: Page, live_server: Live) -> None:
    sign_in(page, live_server, "chen")
    response = page.goto(f"{live_server.url}/accounts/{live_server.accounts['Fjord Bank']}")
    assert response is not None and response.status == 404
    expect(page.get_by_test_id("error-status")).to_have_text("404")
    expect(page.locator("body")).not_to_contain_text("Fjord Bank")
