"""Screenshot of an account's health (LODESTAR_SCREENSHOTS=1): a 200-account demo, 26 weeks of history."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.db.engine import make_engine
from lodestar.demo import generate_demo
from lodestar.demo.people import DEMO_PASSWORD, DOMAIN
from lodestar.demo.service import DEFAULT_TODAY
from lodestar.pipeline.daily import run_job
from lodestar.settings import load_settings
from lodestar.snapshots.cli import demo_dates
from tests.conftest import create_database_url
from tests.live_server import free_port, serve

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(os.environ.get("LODESTAR_SCREENSHOTS") != "1", reason="set LODESTAR_SCREENSHOTS=1"),
]


def test_a_screenshot_of_an_account_with_its_health_is_saved(browser: Browser, tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    url = create_database_url("sqlite", tmp_path, None)
    engine = make_engine(url)
    generate_demo(engine, tmp_path, accounts=200, seed=7)
    run_job(
        engine, load_settings(database_url=url, data_dir=tmp_path), demo_dates(DEFAULT_TODAY), kind="demo"
    )
    with Session(engine) as db:  # a customer whose health fell most over the last month: the most to explain
        account_id = db.scalars(
            select(Account.id)
            .where(Account.health_trend_30d.is_not(None), Account.stage.not_in(["churned", "lead_pool"]))
            .order_by(Account.health_trend_30d)
        ).first()
    engine.dispose()
    assert account_id is not None
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serve(url, tmp_path, port):
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("#email", f"admin@{DOMAIN}")
        page.fill("#password", DEMO_PASSWORD)
        page.click("form.card button[type=submit]")
        page.wait_for_url(f"{base}/accounts")
        page.goto(f"{base}/accounts/{account_id}")
        expect(page.get_by_test_id("health-chart")).to_have_attribute("data-ready", "1")
        page.wait_for_timeout(1200)  # let the chart's entry animation finish
        page.screenshot(path=str(SHOTS / "account-health.png"))
        context.close()
    assert (SHOTS / "account-health.png").stat().st_size > 10_000
