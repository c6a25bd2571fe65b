"""The web UI in headless Chromium against a live server (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from lodestar.accounts.models import Account
from tests.web.conftest import Live, sign_in

pytestmark = pytest.mark.browser


def names_in_table(page: Page) -> list[str]:
    """The account names of the portfolio rows, in order."""
    return page.locator("[data-testid=portfolio] tbody a.account-name").all_inner_texts()


def expect_names(page: Page, names: list[str]) -> None:
    """Waits until the portfolio shows exactly these accounts, in this order (HTMX swaps are async)."""
    expect(page.locator("[data-testid=portfolio] tbody a.account-name")).to_have_text(names)


def test_signing_in_with_the_right_password_opens_the_portfolio(page: Page, live_server: Live) -> None:
    sign_in(page, live_server, "chen")
    assert page.url == f"{live_server.url}/accounts"
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


def test_switching_to_chinese_translates_the_page_and_persists(page: Page, live_server: Live) -> None:
    sign_in(page, live_server, "lan")
    expect(page.locator("nav, header").first).to_contain_text("Portfolio")
    with page.expect_navigation():
        page.click("form.lang-switch button:has-text('中文')")
    header = page.locator("header")
    expect(header).to_contain_text("客户组合")
    expect(header).to_contain_text("退出登录")
    expect(header).to_contain_text("客户成功经理")
    table_head = page.locator("[data-testid=portfolio] thead")
    for chinese in ("客户", "行业", "续费日期", "状态"):
        expect(table_head).to_contain_text(chinese)
    page.reload()
    expect(page.locator("[data-testid=portfolio] thead")).to_contain_text("续费日期")
    page.context.clear_cookies()
    sign_in_chinese_user_again = page.goto(f"{live_server.url}/login")
    assert sign_in_chinese_user_again is not None
    page.fill("#email", "lan@example.com")
    page.fill("#password", "correct-horse-battery")
    page.click("form.card button[type=submit]")
    expect(page.locator("header")).to_contain_text("客户组合")


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
