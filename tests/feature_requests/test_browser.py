"""Linking a request to an account in headless Chromium: from the account page's "Link a request" to the
list, one click on the request, back on the account page with the request listed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import delete

from lodestar.auth.models import AuditEntry
from lodestar.feature_requests.models import FeatureRequest, RequestLink
from tests.live_server import Live, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def request_id(live_server: Live) -> Iterator[int]:
    """A request nobody asked for yet; removed afterwards, so the other tests see the company as seeded."""
    with live_server.engine.begin() as conn:
        new_id = conn.execute(
            FeatureRequest.__table__.insert().values(title="Export to Excel", status="new"),  # type: ignore[attr-defined]
        ).inserted_primary_key[0]
    yield int(new_id)
    with live_server.engine.begin() as conn:
        conn.execute(delete(RequestLink).where(RequestLink.request_id == new_id))
        conn.execute(delete(FeatureRequest).where(FeatureRequest.id == new_id))
        conn.execute(delete(AuditEntry).where(AuditEntry.entity == "feature_requests"))


def test_a_csm_links_a_request_to_an_account(browser: Browser, live_server: Live, request_id: int) -> None:
    account = live_server.accounts["Aurora Retail"]
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page: Page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, "chen", next_path=f"/accounts/{account}")
        panel = page.get_by_test_id("account-feature-requests")
        expect(panel).to_contain_text("No feature request linked.")
        panel.get_by_test_id("link-request").click()
        expect(page.get_by_test_id("linking")).to_contain_text("Aurora Retail")
        page.locator(f"tr[data-request-id='{request_id}']").get_by_test_id("link-here").click()
        page.wait_for_url(f"**/accounts/{account}*")
        row = page.get_by_test_id("account-feature-requests").locator(f"tr[data-request-id='{request_id}']")
        expect(row).to_contain_text("Export to Excel")
        expect(row).to_contain_text("New")
    finally:
        context.close()
