"""The web UI in headless Chromium against a live server (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.live_server import Live, sign_in

pytestmark = pytest.mark.browser


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
