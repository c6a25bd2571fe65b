"""A CSM previews, writes the narrative of and publishes a value report in headless Chromium, makes a share
link, and the link opens logged out (then refuses once revoked)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import delete

from lodestar.value_reports.models import ValueReport
from tests.live_server import Live, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def aurora(live_server: Live) -> Iterator[int]:
    """Aurora Retail (Chen's); its reports are removed afterwards, so the other tests see it as seeded."""
    account = live_server.accounts["Aurora Retail"]
    yield account
    with live_server.engine.begin() as conn:
        conn.execute(delete(ValueReport).where(ValueReport.account_id == account))


def test_a_csm_publishes_a_report_and_the_customer_opens_the_share_link_logged_out(
    browser: Browser, live_server: Live, aurora: int
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, "chen", next_path=None)
    page.goto(f"{live_server.url}/accounts/{aurora}")
    page.get_by_test_id("quarter-report").click()
    page.locator("select[name=locale]").select_option("zh_CN")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("value-report")).to_contain_text("过程数据")
    page.get_by_test_id("highlights").fill("三个部门已上线")
    with page.expect_navigation():
        page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("report-status")).to_contain_text("Published")
    with page.expect_navigation():
        page.get_by_test_id("make-link").click()
    link = page.get_by_test_id("fresh-link").locator("code").inner_text()
    context.close()
    customer = browser.new_context(viewport={"width": 1000, "height": 900})  # no cookies: logged out
    shared = customer.new_page()
    shared.goto(link)
    expect(shared.get_by_test_id("value-report")).to_contain_text("三个部门已上线")
    expect(shared.locator("svg.report-chart").first).to_be_visible()
    customer.close()
