"""The account page's maturity level and the /levels page in headless Chromium, in English and in 中文: the
level, the dimension that falls short with the metric values that would close it, and the portfolio's
counts and moves over the CSM's own accounts."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date

import pyarrow as pa
import pytest
from playwright.sync_api import Browser, Page, expect

from lodestar.analytics import snapshot_store as store
from lodestar.settings import load_settings
from tests.live_server import Live, sign_in

pytestmark = pytest.mark.browser
DAYS = (date(2099, 1, 5), date(2099, 4, 6))  # newer than any date another test stores


@pytest.fixture
def snapshots(live_server: Live) -> Iterator[dict[str, int]]:
    """Two snapshot dates of Aurora Retail (Chen's) and Delta Foods (Li's): Aurora rises, its depth of use
    then lacking; the folders are removed afterwards."""
    assert live_server.data_dir is not None
    root = store.root_of(load_settings(data_dir=live_server.data_dir))
    ids = {n: live_server.accounts[n] for n in ("Aurora Retail", "Delta Foods")}
    strong = {"active_user_ratio_30d": 0.9, "training_completion": 0.8, "key_features_used_30d": 7.0,
              "days_since_last_activity": 1.0, "usage_trend_30d": 0.2, "events_30d": 20000.0,
              "active_users_90d": 80.0, "nps_latest": 9.0, "csat_latest": 5.0, "champion_present": 1.0,
              "days_since_last_touch": 7.0, "decision_maker_left_90d": 0.0}  # fmt: skip
    weak_depth = strong | {
        "key_features_used_30d": 3.0,
        "days_since_last_activity": 10.0,
        "usage_trend_30d": 0.0,
    }
    rows = {DAYS[0]: [strong | {"nps_latest": 1.0, "csat_latest": 1.0}, strong],
            DAYS[1]: [weak_depth, strong]}  # fmt: skip
    for day, values in rows.items():
        table = pa.table({"account_id": pa.array(list(ids.values()), pa.int64()),
                          "tier": pa.array(["KA", "MM"]),
                          **{k: pa.array([v[k] for v in values]) for k in strong}})  # fmt: skip
        store.write(root, day, table)
    yield ids
    for day in DAYS:
        shutil.rmtree(store.folder(root, day), ignore_errors=True)


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_the_account_level_and_the_levels_page(
    browser: Browser, live_server: Live, snapshots: dict[str, int], language: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page: Page = context.new_page()
    page.set_default_timeout(10_000)
    chinese = language == "zh-CN"
    sign_in(page, live_server, "chen", next_path=None)
    if chinese:  # switched back to English at the end: the other tests read Chen's pages in English
        with page.expect_navigation():
            page.click(".lang-switch button[value=zh_CN]")
    try:
        _check(page, live_server, snapshots, chinese)
    finally:
        if chinese:
            with page.expect_navigation():
                page.click(".lang-switch button[value=en]")
        context.close()


def _check(page: Page, live_server: Live, snapshots: dict[str, int], chinese: bool) -> None:
    page.goto(f"{live_server.url}/accounts/{snapshots['Aurora Retail']}")
    panel = page.get_by_test_id("account-level")
    # depth = (2 * 33.3 [3 features] + 39.3 [10 days] + 75 [trend 0]) / 4 = 45.2: level 2 (needs 40), level 3
    # needs 60 (14.8 short); key features alone: 2 * (s - 33.3) = 240 - 181.0 -> s = 62.9 -> 4.77 features
    expect(panel.get_by_test_id("level-number")).to_have_text("等级 2" if chinese else "Level 2")
    expect(panel.get_by_test_id("level-name")).to_have_text("成长" if chinese else "Adopting")
    gap = panel.locator("[data-gap=depth]")
    expect(gap).to_contain_text("使用深度" if chinese else "Depth of use")
    expect(gap).to_contain_text("14.8")
    expect(panel.locator("[data-gap]")).to_have_count(1)
    expect(gap.locator("[data-metric=key_features_used_30d]")).to_contain_text("3 → 4.77")
    page.goto(f"{live_server.url}/levels")
    expect(page.locator("h2.page-title")).to_have_text("成熟度等级" if chinese else "Maturity levels")
    expect(page.get_by_test_id("levels-by-csm")).to_contain_text("Chen Jing")
    expect(page.get_by_test_id("levels-by-csm")).not_to_contain_text("Li Wei")
    expect(page.get_by_test_id("level-totals").locator("[data-level='2']")).to_have_text("1")
    moves = page.get_by_test_id("levels-moves")
    expect(moves.locator("tr[data-from='0'] td[data-to='2']")).to_have_text("1")
