"""Screenshots of the task inbox and the SOP dashboard (LODESTAR_SCREENSHOTS=1) on a demo with 26 weeks."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.auth.models import User
from lodestar.db.engine import make_engine
from lodestar.demo import generate_demo
from lodestar.demo.people import DEMO_PASSWORD, DOMAIN
from lodestar.demo.sop import simulate_sop_work
from lodestar.pipeline.daily import run_job
from lodestar.settings import load_settings
from lodestar.snapshots.cli import demo_dates
from lodestar.sop.tasks.models import Task
from tests.conftest import create_database_url
from tests.live_server import free_port, serve

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ACCOUNTS = 1000  # enough runs per step for the effectiveness table to reach verdicts

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(os.environ.get("LODESTAR_SCREENSHOTS") != "1", reason="set LODESTAR_SCREENSHOTS=1"),
]


def _save(shoot: Callable[..., bytes], name: str) -> None:
    shoot(path=str(SHOTS / f"{name}.png"))
    assert (SHOTS / f"{name}.png").stat().st_size > 10_000


def test_screenshots_of_the_task_inbox_and_the_sop_dashboard_are_saved(
    browser: Browser, tmp_path: Path
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    url = create_database_url("sqlite", tmp_path, None)
    settings = load_settings(database_url=url, data_dir=tmp_path)
    today = datetime.now(settings.zone).date()  # the pages count due and overdue from the real today
    engine = make_engine(url)
    generate_demo(engine, tmp_path, accounts=ACCOUNTS, seed=7, today=today)
    run_job(engine, settings, demo_dates(today), kind="demo")
    simulate_sop_work(engine, 7, today)
    with Session(engine) as db:  # the CSM with the most open tasks: the fullest inbox
        email = db.scalars(
            select(User.email)
            .join(Task, Task.assignee_id == User.id)
            .where(Task.status == "open", User.role == "csm")
            .group_by(User.email)
            .order_by(func.count().desc())
        ).first()
    engine.dispose()
    assert email is not None
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serve(url, tmp_path, port):
        context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-US")
        page = context.new_page()
        for who, path in ((email, "/tasks?tab=overdue"), (f"admin@{DOMAIN}", "/sop")):
            context.clear_cookies()
            page.goto(f"{base}/login?next={path}")
            page.fill("#email", who)
            page.fill("#password", DEMO_PASSWORD)
            page.click("form.card button[type=submit]")
            page.wait_for_url(f"{base}{path}")
            if page.locator("html").get_attribute("lang") != "en":  # some demo CSMs read Chinese
                page.click("form.lang-switch button:has-text('English')")
                page.wait_for_url(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            if path.startswith("/tasks"):
                _save(page.screenshot, "tasks")
                continue
            # The dashboard's analyses load after the page: wait for them and their charts' animation.
            expect(page.get_by_test_id("effectiveness-table")).to_be_visible(timeout=60_000)
            expect(page.get_by_test_id("shape-chart")).to_have_attribute("data-ready", "1", timeout=60_000)
            page.wait_for_timeout(1200)
            _save(page.screenshot, "sop-dashboard")
            _save(page.get_by_test_id("effectiveness").screenshot, "sop-effectiveness")
            _save(page.get_by_test_id("shape").screenshot, "sop-shape")
        context.close()
