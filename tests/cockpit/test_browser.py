"""The cockpit in headless Chromium, in English and in Chinese (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.cockpit.seed import day_of
from tests.live_server import Live, sign_in

pytestmark = pytest.mark.browser


def test_a_csm_lands_on_their_cockpit_and_reaches_an_account_in_one_click(
    page: Page, live_server: Live
) -> None:
    day = day_of(live_server)
    sign_in(page, live_server, "kai", next_path=None)
    assert page.url == f"{live_server.url}/cockpit"
    expect(page.get_by_test_id("cockpit-view")).to_contain_text("Your accounts")
    expect(page.get_by_test_id("figure-accounts")).to_have_text("2")  # Old Mill churned: not a live account
    arr = page.get_by_test_id("figure-arr")
    expect(arr.locator("[data-currency=USD]")).to_have_text("250,000 USD")
    expect(arr.locator("[data-currency=CNY]")).to_have_text("100,000 CNY")
    renewals = page.get_by_test_id("figure-renewals")
    expect(renewals.locator("[data-currency=USD]")).to_contain_text("250,000 USD · 1 contract")
    expect(renewals.locator("[data-currency=CNY]")).to_contain_text("100,000 CNY · 1 contract")
    expect(page.get_by_test_id("due-today")).to_contain_text("Call the champion")
    overdue = page.get_by_test_id("overdue")
    expect(overdue).to_contain_text("Quarterly review")
    expect(overdue).to_contain_text("5 days late")
    expect(overdue).not_to_contain_text("Welcome e-mail")  # onboarding: a stage Lotus Tea has left
    expect(overdue).not_to_contain_text("Win-back call")  # Old Mill is churned
    expect(page.get_by_test_id("stale-tasks")).to_contain_text("1 overdue tasks")
    quiet = page.get_by_test_id("untouched-at-risk").locator(f"tr[data-account-id='{day.harbor}']")
    expect(quiet).to_contain_text("41 days ago")
    expect(quiet).to_contain_text("every 14 days")
    expect(page.get_by_test_id("movers").locator("a").first).to_contain_text("Harbor Shipping")
    quiet.locator("a", has_text="Harbor Shipping").click()
    page.wait_for_url(f"{live_server.url}/accounts/{day.harbor}")
    expect(page.locator("h2.page-title")).to_contain_text("Harbor Shipping")


def test_the_cockpit_in_chinese(page: Page, live_server: Live) -> None:
    day = day_of(live_server)
    sign_in(page, live_server, "kai", next_path="/cockpit")
    page.click("button[value=zh_CN]")
    page.wait_for_url(re.compile(r"/cockpit"))
    expect(page.locator("h2.page-title")).to_have_text("驾驶舱")
    expect(page.get_by_test_id("cockpit-view")).to_contain_text("我的客户")
    quiet = page.get_by_test_id("untouched-at-risk")
    expect(quiet.locator(".card-title")).to_have_text("有风险且超出回访周期未触达")
    expect(quiet.locator(f"tr[data-account-id='{day.harbor}']")).to_contain_text("41 天前")
    expect(quiet.locator(f"tr[data-account-id='{day.harbor}']")).to_contain_text("每 14 天")
    expect(page.get_by_test_id("overdue")).to_contain_text("逾期 5 天")
    expect(page.get_by_test_id("figure-stages")).to_contain_text("预流失期")
    page.click("button[value=en]")  # the next test of this user starts in English again
    page.wait_for_url(re.compile(r"/cockpit"))
