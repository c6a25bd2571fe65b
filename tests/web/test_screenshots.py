"""Screenshots for the docs (LODESTAR_SCREENSHOTS=1): a 200-account demo company in English and Chinese."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from lodestar.analytics.rollups import update_rollups
from lodestar.db.engine import make_engine
from lodestar.demo import generate_demo
from lodestar.demo.people import DEMO_PASSWORD, DOMAIN
from tests.conftest import create_database_url
from tests.live_server import free_port, serve

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(os.environ.get("LODESTAR_SCREENSHOTS") != "1", reason="set LODESTAR_SCREENSHOTS=1"),
]


def _shoot(page: Page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    assert (SHOTS / f"{name}.png").stat().st_size > 10_000


def test_screenshots_of_login_portfolio_and_account_page_are_saved(browser: Browser, tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    url = create_database_url("sqlite", tmp_path, None)
    engine = make_engine(url)
    generate_demo(engine, tmp_path, accounts=200, seed=7)
    update_rollups(tmp_path / "events", tmp_path / "rollups")  # the value report reads the period's usage
    engine.dispose()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serve(url, tmp_path, port):
        for locale, suffix in (("en", ""), ("zh_CN", "-zh")):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.goto(f"{base}/login")
            if locale == "zh_CN":
                page.click("form.lang-switch button:has-text('中文')")
            _shoot(page, f"login{suffix}")
            page.fill("#email", f"admin@{DOMAIN}")
            page.fill("#password", DEMO_PASSWORD)
            page.click("form.card button[type=submit]")
            page.wait_for_url(lambda url: "/login" not in url)  # the home page (cockpit) since it exists
            if locale == "zh_CN":
                page.click("form.lang-switch button:has-text('中文')")
            page.goto(f"{base}/accounts?sort=arr&desc=1")
            _shoot(page, f"portfolio{suffix}")
            page.locator("[data-testid=portfolio] tbody a.account-name").first.click()
            page.wait_for_url(f"{base}/accounts/*")
            _shoot(page, f"account{suffix}")
            if locale == "zh_CN":  # the account's value report of the demo's last quarter (ends 2025-12-31)
                page.goto(page.url.split("#")[0] + "/value-report?period=2025Q4&locale=zh_CN")
                _shoot(page, "value-report-zh")
            context.close()
