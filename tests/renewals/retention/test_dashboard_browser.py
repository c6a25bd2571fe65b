"""The retention dashboard in headless Chromium, in English and in 中文: each chart draws (a canvas inside
it) without a console error, and the renewal analysis report is one click away."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from lodestar.auth.models import Role, User
from lodestar.db.engine import session_factory
from tests.factories import PASSWORD, make_user
from tests.live_server import Live

pytestmark = pytest.mark.browser
CHARTS = ("trend-chart", "waterfall-chart", "heatmap-chart")


def _tab(browser: Browser, live: Live, email: str, locale: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.goto(f"{live.url}/login")
    tab.fill("#email", email)
    tab.fill("#password", PASSWORD)
    with tab.expect_navigation():
        tab.click("form.card button[type=submit]")
    return tab


def _chinese_admin(live: Live) -> str:
    """An admin whose language is 中文 (the same one tests/web/test_chinese_pages.py signs in as)."""
    email = "zhao@example.com"
    with session_factory(live.engine)() as db:
        if db.scalars(select(User).where(User.email == email)).first() is None:
            make_user(db, Role.ADMIN, name="Zhao Lei", email=email).locale = "zh_CN"
            db.commit()
    return email


def _charts_draw(tab: Page, url: str) -> list[str]:
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(url)
    for chart in CHARTS:
        box = tab.get_by_test_id(chart)
        expect(box).to_have_attribute("data-ready", "1")
        expect(box.locator("canvas")).to_have_count(1)
    return errors


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_the_dashboard_draws_every_chart_in_both_languages(
    browser: Browser, live_server: Live, locale: str
) -> None:
    email = live_server.users["admin"] if locale == "en" else _chinese_admin(live_server)
    tab = _tab(browser, live_server, email, "en-US" if locale == "en" else "zh-CN")
    errors = _charts_draw(tab, f"{live_server.url}/retention?period=quarter&from=2025-01-01&by=tier")
    assert errors == []
    heading = "Retention" if locale == "en" else "留存"
    expect(tab.locator("h2.page-title")).to_have_text(heading)
    expect(tab.get_by_test_id("groups-table")).to_contain_text("KA")
    tab.get_by_test_id("to-report").click()
    report = "续费分析报告" if locale == "zh_CN" else "Renewal analysis"
    expect(tab.locator("h2.page-title")).to_contain_text(report)
    tab.context.close()
