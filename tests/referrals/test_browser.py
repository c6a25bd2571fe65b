"""A CSM records a referral on the account page and changes it on its edit form in headless Chromium: the lead
is won with its ARR, a bad field is named with nothing written, and the account page shows the change."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from lodestar.referrals.models import Referral
from tests.live_server import Live, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def birch(live_server: Live) -> Iterator[int]:
    """Birch Logistics (Chen's); its referrals are removed afterwards, so other tests see it as seeded."""
    account = live_server.accounts["Birch Logistics"]
    yield account
    with live_server.engine.begin() as conn:
        conn.execute(delete(Referral).where(Referral.account_id == account))


def test_a_csm_edits_a_referral_from_the_account_page(page: Page, live_server: Live, birch: int) -> None:
    sign_in(page, live_server, "chen", next_path=f"/accounts/{birch}")
    page.get_by_test_id("new-referral").click()
    page.fill("#f-lead_name", "Zhou Jie")
    page.fill("#f-lead_company", "Harbor Freight Co")
    with page.expect_navigation():
        page.get_by_test_id("save-referral").click()
    panel = page.get_by_test_id("account-referrals")
    expect(panel).to_contain_text("Harbor Freight Co")
    expect(page.get_by_test_id("referral-totals")).to_contain_text("1 referred, 0 won")

    panel.get_by_test_id("edit-referral").click()
    expect(page.locator("#f-lead_name")).to_have_value("Zhou Jie")
    page.select_option("#f-status", "qualified")
    page.fill("#f-arr", "45000")
    page.fill("#f-currency", "CNY")
    with page.expect_navigation():
        page.get_by_test_id("save-referral").click()
    # Not won yet: an ARR is refused on its field, the form keeps what was typed, nothing is written.
    expect(page.locator('[data-field-error="arr"]')).to_be_visible()
    expect(page.locator("#f-arr")).to_have_value("45000")
    with live_server.engine.connect() as conn:
        stored = conn.execute(select(Referral.status, Referral.arr).where(Referral.account_id == birch)).one()
    assert tuple(stored) == ("received", None)

    page.select_option("#f-status", "won")
    page.fill("#f-lead_name", "Zhou Jie (COO)")
    with page.expect_navigation():
        page.get_by_test_id("save-referral").click()
    expect(page.get_by_test_id("referral-totals")).to_contain_text("1 referred, 1 won")
    expect(panel).to_contain_text("Zhou Jie (COO)")
    expect(panel).to_contain_text("45,000 CNY")
    with live_server.engine.connect() as conn:
        saved = conn.execute(
            select(Referral.lead_name, Referral.status, Referral.arr, Referral.currency).where(
                Referral.account_id == birch
            )
        ).one()
    assert tuple(saved) == ("Zhou Jie (COO)", "won", Decimal("45000.00"), "CNY")
