"""Editing a success plan in headless Chromium, in English and in 中文: the account page's panel, the
editor refusing a milestone due before the contract start (naming the cell, nothing written), then
saving a plan and marking a milestone reached."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import delete

from lodestar.auth.models import AuditEntry
from lodestar.success_plans.models import Milestone, SuccessPlan
from tests.live_server import Live, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def aurora(live_server: Live) -> Iterator[int]:
    """Aurora Retail (Chen's; contracts from 2025-01-01); its plan is removed afterwards, so the other
    tests see the account as seeded."""
    account = live_server.accounts["Aurora Retail"]
    yield account
    with live_server.engine.begin() as conn:
        conn.execute(delete(Milestone).where(Milestone.account_id == account))
        conn.execute(delete(SuccessPlan).where(SuccessPlan.account_id == account))
        conn.execute(delete(AuditEntry).where(AuditEntry.entity.in_(["milestones", "success_plans"])))


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_a_csm_edits_the_success_plan_on_the_account_page(
    browser: Browser, live_server: Live, aurora: int, language: str
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page: Page = context.new_page()
    page.set_default_timeout(10_000)
    chinese = language == "zh-CN"
    sign_in(page, live_server, "chen", next_path=None)
    if chinese:  # switched back to English at the end: the other tests read Chen's pages in English
        with page.expect_navigation():
            page.click(".lang-switch button[value=zh_CN]")
    try:
        _edit(page, live_server, aurora, chinese)
    finally:
        if chinese:
            with page.expect_navigation():
                page.click(".lang-switch button[value=en]")
        context.close()


def _edit(page: Page, live: Live, account: int, chinese: bool) -> None:
    page.goto(f"{live.url}/accounts/{account}")
    panel = page.get_by_test_id("success-plan")
    expect(panel).to_contain_text("成功计划" if chinese else "Success plan")
    expect(panel.get_by_test_id("attainment")).to_have_text(
        "暂无到期的里程碑" if chinese else "No milestone due yet"
    )
    panel.get_by_test_id("edit-plan").click()
    page.fill("#f-objectives", "Close the books in 3 days")
    page.fill("[name=m-0-title]", "Finance module live")
    page.select_option("[name=m-0-kind]", "module_go_live")
    page.select_option("[name=m-0-owner_side]", "theirs")
    page.fill("[name=m-0-target_on]", "2024-12-01")  # before the contract start (2025-01-01)
    page.fill("[name=m-1-title]", "80% of seats active")
    page.select_option("[name=m-1-kind]", "usage_target")
    page.fill("[name=m-1-target_on]", "2099-06-30")
    page.fill("[name=m-1-metric]", "active_user_ratio_30d")
    page.fill("[name=m-1-target_value]", "0.8")
    page.get_by_test_id("save-plan").click()
    refused = page.get_by_test_id("error-0.target_on")
    expect(refused).to_have_text(
        "早于合同开始日期 2025-01-01" if chinese else "is before the contract start 2025-01-01"
    )
    assert page.input_value("[name=m-1-title]") == "80% of seats active"  # what was typed is kept
    page.fill("[name=m-0-target_on]", "2025-03-01")
    page.get_by_test_id("save-plan").click()
    page.wait_for_url(f"**/accounts/{account}#success-plan")
    panel = page.get_by_test_id("success-plan")
    expect(panel.get_by_test_id("objectives")).to_have_text("Close the books in 3 days")
    rows = panel.locator("[data-milestone]")
    expect(rows).to_have_count(2)
    first = rows.nth(0)
    expect(first).to_contain_text("模块上线" if chinese else "Module go-live")
    expect(first).to_contain_text("客户" if chinese else "Customer")
    expect(first.get_by_test_id("milestone-status")).to_have_text("计划中" if chinese else "Planned")
    # Due 2025-03-01 and not reached: 0 of 1 on time.
    expect(panel.get_by_test_id("attainment")).to_contain_text(
        "0" + (" 个（0%）" if chinese else " of 1 due (0%)")
    )
    first.get_by_test_id("reach").click()
    page.wait_for_url(f"**/accounts/{account}#success-plan")
    first = page.get_by_test_id("success-plan").locator("[data-milestone]").nth(0)
    expect(first.get_by_test_id("milestone-status")).to_contain_text("已达成" if chinese else "Reached")
