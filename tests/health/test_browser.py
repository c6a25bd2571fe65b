"""Health in headless Chromium: the account page's card and chart, and previewing a model change."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from lodestar.db.engine import make_engine
from lodestar.health import config_kind as health_kind
from tests.conftest import create_database_url, drop_database_url
from tests.factories import PASSWORD
from tests.live_server import free_port, serve
from tests.snapshots.conftest import Snapped, snapshot_company

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def health_site(
    db_url: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Snapped]]:
    """A live server over the snapshot company, on a fresh database of the db_url fixture's backend."""
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    admin_url = request.getfixturevalue("postgres_admin_url") if backend == "postgresql" else None
    tmp: Path = tmp_path_factory.mktemp("health-live")
    url = create_database_url(backend, tmp, admin_url)
    engine = make_engine(url)
    snapped = snapshot_company(engine, tmp, url)
    port = free_port()
    with serve(url, tmp, port):
        yield f"http://127.0.0.1:{port}", snapped
    engine.dispose()
    drop_database_url(url, admin_url)


def _sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", "ui-admin@example.com")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('Sign in')")


def test_the_account_page_shows_the_health_card_and_draws_the_trend_chart(
    page: Page, health_site: tuple[str, Snapped]
) -> None:
    base, snapped = health_site
    _sign_in(page, base)
    page.goto(f"{base}/accounts/{snapped.ids['quiet']}")
    card = page.get_by_test_id("health-card")
    expect(card.get_by_test_id("health-score")).to_have_text(re.compile(r"^\d+$"))
    expect(card.locator("[data-grade]")).to_be_visible()
    expect(page.get_by_test_id("health-moved")).to_contain_text("health rose")
    expect(page.get_by_test_id("health-explanation").locator("tbody tr").first).to_be_visible()
    chart = page.get_by_test_id("health-chart")
    expect(chart).to_have_attribute("data-ready", "1")
    expect(chart.locator("canvas")).to_have_count(1)
    box = chart.locator("canvas").bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 150
    expect(page.get_by_test_id("stage-timeline")).to_contain_text("At risk")


def test_previewing_a_model_change_shows_the_grade_shift_and_saves_nothing(
    page: Page, health_site: tuple[str, Snapped]
) -> None:
    base, snapped = health_site
    with Session(snapped.engine) as db:
        config, version = health_kind.current(db)
    body = config.model_dump(mode="json")
    for model in body["models"]:
        model["grades"] = {"green": 99, "yellow": 98}
    _sign_in(page, base)
    page.goto(f"{base}/settings/health")
    page.fill("#f-health_yaml", yaml.safe_dump(body))
    with page.expect_navigation():
        page.click("button[value=preview]")
    green = page.locator("[data-grade-row=green] td")
    expect(green.nth(2)).to_have_text("0")
    expect(page.get_by_test_id("preview-backtest")).to_contain_text("AUC")
    expect(page.get_by_test_id("active-version")).to_have_text(f"v{version}")
    with Session(snapped.engine) as db:
        assert health_kind.current(db)[1] == version
