"""A CSM previews, writes the narrative of and publishes a value report in headless Chromium, makes a share
link, and the link opens logged out, where the customer downloads the report's PDF."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from pypdf import PdfReader
from sqlalchemy import delete, select

from lodestar.value_reports.models import ShareLink, ShareView, ValueReport
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
    with shared.expect_download() as download:
        shared.get_by_test_id("shared-pdf").click()
    saved = Path(download.value.path())
    assert download.value.suggested_filename.endswith(".pdf")
    data = saved.read_bytes()
    assert data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Aurora Retail" in text and "三个部门已上线" in text  # this report, in its language
    customer.close()
    with live_server.engine.connect() as conn:
        uses = conn.execute(
            select(ShareView.kind)
            .join(ShareLink, ShareLink.id == ShareView.link_id)
            .join(ValueReport, ValueReport.id == ShareLink.report_id)
            .where(ValueReport.account_id == aurora)
            .order_by(ShareView.id)
        ).scalars()
        assert list(uses) == ["view", "download"]
