"""The web UI in headless Chromium against a live server (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.cockpit.seed import day_of
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


def test_the_360_shows_tickets_with_sla_states_nps_usage_and_the_stakeholder_map(
    page: Page, live_server: Live
) -> None:
    day = day_of(live_server)
    sign_in(page, live_server, "kai", next_path=f"/accounts/{day.harbor}")
    tickets = page.get_by_test_id("tickets")
    expect(tickets).to_contain_text("SLA: first response 4 h, resolution 24 h")  # the KA tier's SLA
    answered = tickets.locator("tr", has_text="Export fails")
    expect(answered.get_by_test_id("response-sla")).to_contain_text("2 h within SLA")
    expect(answered.get_by_test_id("resolution-sla")).to_contain_text("30 h SLA breached")
    waiting = tickets.locator("tr", has_text="Cannot sign in")
    expect(waiting.get_by_test_id("response-sla")).to_contain_text("waiting, SLA breached")  # 10 h > 4 h
    surveys = page.get_by_test_id("surveys")
    expect(surveys.locator("[data-survey-kind=nps]")).to_contain_text("NPS 3/10 · detractor")
    expect(surveys.locator("[data-survey-kind=nps]")).to_contain_text("Too slow")
    expect(surveys.locator("[data-survey-kind=csat]")).to_contain_text("CSAT 5/5")
    expect(page.locator("[data-chart=usage][data-ready='1']")).to_have_count(1)
    expect(page.locator("[data-chart=adoption][data-ready='1']")).to_have_count(1)
    expect(page.get_by_test_id("adoption-count")).to_have_text("3 of 8 key features used in 30 days")
    adoption = page.get_by_test_id("adoption")
    expect(adoption.locator("tr[data-feature='Workflow Run']")).to_contain_text("not in 30 days")
    expect(adoption.locator("tr[data-feature='Forecast Viewed']")).to_contain_text("never")
    expect(page.get_by_test_id("stakeholder-map").locator("[data-role=champion]")).to_contain_text("nobody")


def test_the_360_in_chinese(page: Page, live_server: Live) -> None:
    day = day_of(live_server)
    sign_in(page, live_server, "kai", next_path=f"/accounts/{day.harbor}")
    page.click("button[value=zh_CN]")
    page.wait_for_url(re.compile(rf"/accounts/{day.harbor}"))
    tickets = page.get_by_test_id("tickets")
    expect(tickets.locator(".card-title")).to_have_text("工单")
    expect(tickets).to_contain_text("SLA：首次响应 4 小时，解决 24 小时")
    expect(tickets.locator("tr", has_text="Export fails").get_by_test_id("resolution-sla")).to_contain_text(
        "超出 SLA"
    )
    expect(page.get_by_test_id("surveys").locator("[data-survey-kind=nps]")).to_contain_text("贬损者")
    expect(page.get_by_test_id("adoption-count")).to_have_text("30 天内使用了 8 个关键功能中的 3 个")
    expect(page.locator("[data-chart=usage][data-ready='1']")).to_have_count(1)
    page.click("button[value=en]")
    page.wait_for_url(re.compile(rf"/accounts/{day.harbor}"))
