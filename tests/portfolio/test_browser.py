"""The web UI in headless Chromium against a live server (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.live_server import Live, sign_in

pytestmark = pytest.mark.browser


def names_in_table(page: Page) -> list[str]:
    """The account names of the portfolio rows, in order."""
    return page.locator("[data-testid=portfolio] tbody a.account-name").all_inner_texts()


def expect_names(page: Page, names: list[str]) -> None:
    """Waits until the portfolio shows exactly these accounts, in this order (HTMX swaps are async)."""
    expect(page.locator("[data-testid=portfolio] tbody a.account-name")).to_have_text(names)


def test_a_csm_sees_exactly_their_own_accounts(page: Page, live_server: Live) -> None:
    sign_in(page, live_server, "chen")
    expect_names(page, ["Aurora Retail", "Birch Logistics", "Cobalt Health"])
    expect(page.get_by_test_id("page-summary")).to_have_text("Showing 1–3 of 3 accounts")


def test_the_admin_sees_every_account(page: Page, live_server: Live) -> None:
    sign_in(page, live_server, "admin")
    names = names_in_table(page)
    for name in (
        "Aurora Retail",
        "Birch Logistics",
        "Cobalt Health",
        "Delta Foods",
        "Ember Games",
        "Fjord Bank",
    ):
        assert name in names
    owners = page.locator("[data-testid=portfolio] tbody tr:has-text('Fjord Bank') td").nth(1)
    expect(owners).to_have_text("Li Wei")


def test_searching_filtering_and_sorting_change_the_rows_and_the_url(page: Page, live_server: Live) -> None:
    sign_in(page, live_server, "manager")
    page.fill("#f-q", "crm-00")
    page.wait_for_url(re.compile(r"q=crm-00"))
    page.select_option("#f-industry", "Retail")
    page.wait_for_url(re.compile(r"industry=Retail"))
    expect(page.locator("[data-testid=portfolio] tbody tr")).to_have_count(2)
    expect_names(page, ["Aurora Retail", "Delta Foods"])
    page.click("th >> text=Employees")
    page.wait_for_url(re.compile(r"sort=employees"))
    expect_names(page, ["Delta Foods", "Aurora Retail"])
    page.click("th >> text=Employees")
    page.wait_for_url(re.compile(r"desc=1"))
    expect_names(page, ["Aurora Retail", "Delta Foods"])
    page.reload()  # the pushed URL holds the whole state
    expect_names(page, ["Aurora Retail", "Delta Foods"])
    expect(page.locator("#f-industry")).to_have_value("Retail")


def test_the_pager_moves_through_pages_of_the_portfolio(page: Page, live_server: Live) -> None:
    sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/accounts?size=2&sort=name")
    expect_names(page, ["Aurora Retail", "Birch Logistics"])
    expect(page.get_by_test_id("page-summary")).to_have_text("Showing 1–2 of 6 accounts")
    page.click(".pagination >> text=Next")
    page.wait_for_url(re.compile(r"page=2"))
    expect_names(page, ["Cobalt Health", "Delta Foods"])
    page.click(".pagination a.page-link >> text='3'")
    page.wait_for_url(re.compile(r"page=3"))
    expect_names(page, ["Ember Games", "Fjord Bank"])
    expect(page.get_by_test_id("page-summary")).to_have_text("Showing 5–6 of 6 accounts")
