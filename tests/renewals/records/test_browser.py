"""The renewals pipeline and a renewal in headless Chromium, in English and in 中文: the pipeline shows the
open renewal under its month and forecast, the forecast is edited (its history kept), a close without a
reason is refused naming the field, and a close with reasons is recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.auth.models import Role, User
from lodestar.kit.time import today_in
from lodestar.renewals.records import service
from lodestar.renewals.records.models import Renewal
from lodestar.settings import load_settings
from tests.factories import PASSWORD, make_account, make_contract, make_user
from tests.live_server import Live, sign_in

pytestmark = pytest.mark.browser
ZHOU = "zhou@example.com"


@pytest.fixture
def renewals(live_server: Live) -> Iterator[dict[str, int]]:
    """Two accounts of Gao Fei with a contract in its renewal window, their renewals opened (every renewal is
    removed afterwards: the other tests' contracts get one too)."""
    today = today_in(load_settings().zone)
    found: dict[str, int] = {}
    with Session(live_server.engine) as db:
        gao = db.scalars(select(User).where(User.email == live_server.users["gao"])).one()
        zhou = db.scalars(select(User).where(User.email == ZHOU)).first()
        if zhou is None:  # a CSM whose language is 中文
            zhou = make_user(db, Role.CSM, name="Zhou Qing", email=ZHOU)
            zhou.locale = "zh_CN"
        for owner, name, arr in ((gao, "Harbor Freight", "240000"), (zhou, "Island Dairy", "90000")):
            account = db.scalars(select(Account).where(Account.name == name)).first()
            account = account or make_account(db, owner, owner, name=name)
            term = {"start_date": today - timedelta(days=250), "end_date": today + timedelta(days=60)}
            contract = make_contract(db, account, owner, arr=Decimal(arr), today=today, **term)
            found[name] = contract.id
        service.open_and_derive(db, today)
        db.commit()
        ids = {
            name: db.scalars(select(Renewal.id).where(Renewal.contract_id == c)).one()
            for name, c in found.items()
        }
    yield ids
    with Session(live_server.engine) as db:
        db.execute(delete(Renewal))
        db.commit()


def _close_with_reasons(page: Page, outcome: str, refused: str, reasons: list[str], closed: str) -> None:
    page.select_option("#f-outcome", outcome)
    with page.expect_navigation():
        page.click("[data-testid=close-renewal]")
    expect(page.locator("[data-field-error=close_reasons]")).to_contain_text(refused)
    for reason in reasons:
        page.locator("[data-testid=reason-choices] label", has_text=reason).locator("input").check()
    with page.expect_navigation():
        page.click("[data-testid=close-renewal]")
    expect(page.locator("[data-testid=flash]")).to_have_text(closed)


def test_a_csm_forecasts_and_closes_a_renewal_from_the_pipeline(
    page: Page, live_server: Live, renewals: dict[str, int]
) -> None:
    rid = renewals["Harbor Freight"]
    sign_in(page, live_server, "gao", "/renewals")
    row = page.locator(f"[data-testid=renewal-list] tr[data-renewal-id='{rid}']")
    expect(row.locator("[data-testid=renewal-forecast]")).to_have_text("No forecast")
    expect(row).to_contain_text("No model yet")
    expect(page.locator("[data-testid=pipeline] tfoot [data-category=none]")).to_have_attribute(
        "data-arr", "240000.00"
    )
    with page.expect_navigation():
        row.locator("[data-testid=renewal-open]").click()
    page.select_option("#f-forecast", "commit")
    page.fill("#f-next_step", "Send the renewal quote")
    with page.expect_navigation():
        page.click("[data-testid=save-renewal]")
    expect(page.locator("[data-testid=renewal-forecast]")).to_have_text("Commit")
    expect(page.locator("[data-testid=forecast-history]")).to_contain_text("No forecast → Commit")
    page.goto(f"{live_server.url}/renewals")
    commit = page.locator("[data-testid=pipeline] tfoot [data-category=commit]")
    expect(commit).to_have_attribute("data-arr", "240000.00")
    with page.expect_navigation():
        page.locator(f"tr[data-renewal-id='{rid}'] [data-testid=renewal-account]").click()
    expect(page.locator("[data-testid=account-renewals]")).to_contain_text("Commit")
    page.goto(f"{live_server.url}/renewals/{rid}")
    refused = "give at least one reason for a renewal that is churned"
    _close_with_reasons(
        page, "churned", refused, ["Price or budget", "Went to a competitor"], "The renewal is closed."
    )
    expect(page.locator("[data-testid=renewal-outcome]")).to_contain_text("Churned")
    expect(page.locator("[data-testid=renewal-reasons] .badge")).to_have_text(
        ["Price or budget", "Went to a competitor"]
    )
    with Session(live_server.engine) as db:
        renewal = db.get(Renewal, rid)
        assert renewal is not None
        assert (renewal.outcome, renewal.reasons, renewal.forecast) == (
            "churned",
            ["price_budget", "competitor"],
            "commit",
        )


def test_the_same_work_reads_and_is_refused_in_chinese(
    browser: Browser, live_server: Live, renewals: dict[str, int]
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    rid = renewals["Island Dairy"]
    page.goto(f"{live_server.url}/login?next=/renewals/{rid}")
    page.fill("#email", ZHOU)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("form.card button[type=submit]")
    expect(page.locator("[data-testid=renewal-likelihood]")).to_have_text("暂无模型")
    page.select_option("#f-forecast", "at_risk")
    with page.expect_navigation():
        page.click("[data-testid=save-renewal]")
    expect(page.locator("[data-testid=flash]")).to_have_text("已保存。")
    refused = "结果为 churned 的续费至少要填写一个原因"
    _close_with_reasons(page, "churned", refused, ["价格或预算"], "续费已关闭。")
    expect(page.locator("[data-testid=renewal-reasons] .badge")).to_have_text(["价格或预算"])
    page.goto(f"{live_server.url}/renewals")
    expect(page.locator("h2.page-title")).to_contain_text("续费管道")
    expect(page.locator("[data-testid=forecast-vs-actual]")).to_contain_text("预测与实际对比")
    context.close()
