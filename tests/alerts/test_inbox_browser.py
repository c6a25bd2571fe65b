"""The alert inbox and the rule editor in headless Chromium: acknowledge, snooze and resolve an alert, bulk
acknowledge; edit a rule with nested conditions in the form, validate, backtest and save it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import delete
from sqlalchemy.orm import Session

from lodestar.alerts import config_kind as alerts_kind
from lodestar.alerts.models import Alert
from lodestar.config import service as config_service
from lodestar.kit.time import today_in
from lodestar.settings import load_settings
from tests.alerts.inbox_data import live_history, make_alert
from tests.live_server import Live, sign_in

pytestmark = pytest.mark.browser
RULE = "health_drop"  # the rule the first rule builds on
ABSENT = {"kind": "absence", "days": 14}
# As edited (28 days' absence, or health_drop): Aurora Retail idle for 30 days, Birch Logistics' health fell
# (Cobalt Health's 25 idle days answered the saved 14): 2 alerts, one on the account that churned.
SUMMARY = (
    "This rule would have raised 2 alerts in the last 180 days; 50% of them on accounts that later churned."
)


@pytest.fixture
def aurora_alerts(live_server: Live) -> Iterator[dict[str, int]]:
    """Five open alerts on Chen's Aurora Retail (removed afterwards)."""
    account = live_server.accounts["Aurora Retail"]
    rules = ("health_red", "usage_drop", "no_activity", "ticket_spike", "nps_detractor")
    with Session(live_server.engine) as db:
        made = {rule: make_alert(db, account, rule, severity="warning").id for rule in rules}
        db.commit()
    yield made
    with Session(live_server.engine) as db:
        db.execute(delete(Alert).where(Alert.id.in_(made.values())))
        db.commit()


def _row(page: Page, alert_id: int) -> Any:
    return page.locator(f"[data-testid=alert][data-alert-id='{alert_id}']")


def _state(live: Live, alert_id: int) -> Alert:
    with Session(live.engine) as db:
        alert = db.get(Alert, alert_id)
        assert alert is not None
        return alert


def test_a_csm_acknowledges_snoozes_resolves_and_bulk_acknowledges_alerts(
    page: Page, live_server: Live, aurora_alerts: dict[str, int]
) -> None:
    sign_in(page, live_server, "chen", "/alerts")
    red, usage, quiet = aurora_alerts["health_red"], aurora_alerts["usage_drop"], aurora_alerts["no_activity"]
    expect(_row(page, red)).to_contain_text("active-user ratio 0.42 -> 0.21")
    with page.expect_navigation():
        _row(page, red).locator("[data-testid=acknowledge]").click()
    expect(page.locator("[data-testid=flash]")).to_have_text("Acknowledged the alert on Aurora Retail.")
    expect(_row(page, red).locator("[data-testid=alert-state]")).to_have_text("Acknowledged")

    until = today_in(load_settings().zone) + timedelta(days=7)
    _row(page, usage).locator("[data-testid=snooze-until]").fill(until.isoformat())
    with page.expect_navigation():
        _row(page, usage).locator("[data-testid=snooze]").click()
    expect(page.locator("[data-testid=flash]")).to_have_text("Snoozed the alert on Aurora Retail.")
    expect(_row(page, usage)).to_contain_text(f"until {until.isoformat()}")

    _row(page, quiet).locator("[data-testid=resolve-reason]").fill("Back in the product after the holiday")
    with page.expect_navigation():
        _row(page, quiet).locator("[data-testid=resolve]").click()
    expect(page.locator("[data-testid=flash]")).to_have_text("Resolved the alert on Aurora Retail.")
    expect(_row(page, quiet)).to_have_count(0)  # a resolved alert leaves the live inbox
    resolved = _state(live_server, quiet)
    assert (resolved.state, resolved.resolve_reason) == ("resolved", "Back in the product after the holiday")
    assert _state(live_server, usage).snoozed_until == until

    for rule in ("ticket_spike", "nps_detractor"):
        _row(page, aurora_alerts[rule]).locator("[data-testid=alert-select]").check()
    with page.expect_navigation():
        page.click("[data-testid=bulk-acknowledge]")
    expect(page.locator("[data-testid=flash]")).to_have_text("Acknowledged 2 alerts.")
    assert {_state(live_server, aurora_alerts[r]).state for r in ("ticket_spike", "nps_detractor")} == {
        "acknowledged"
    }


@pytest.fixture
def history(live_server: Live) -> Iterator[list[date]]:
    """Four weekly snapshots of Chen's accounts in the last 180 days, Birch Logistics churned (undone)."""
    with live_history(live_server) as days:
        yield days


@pytest.fixture
def nested_rules(live_server: Live) -> Iterator[dict[str, Any]]:
    """The alert rules with a first rule of nested conditions, restored afterwards."""
    with Session(live_server.engine) as db:
        before = alerts_kind.current(db)[0].model_dump(mode="json")
        rules = alerts_kind.current(db)[0].model_dump(mode="json")
        rules["rules"][0]["when"] = {
            "kind": "all",
            "conditions": [
                {"kind": "any", "conditions": [ABSENT, {"kind": "rule", "rule": RULE}]},
                {"kind": "threshold", "metric": "stage", "op": "==", "value": "maturity"},
            ],
        }  # fmt: skip
        config_service.save(db, "alerts", rules, live_server.users["admin"])
        db.commit()
    yield rules
    with Session(live_server.engine) as db:
        config_service.save(db, "alerts", before, live_server.users["admin"])
        db.commit()


def test_an_admin_edits_nested_conditions_in_the_form_backtests_the_rule_and_saves_it(
    page: Page, live_server: Live, nested_rules: dict[str, Any], history: list[date]
) -> None:
    sign_in(page, live_server, "admin", "/settings/alerts")
    expect(page.locator("[data-testid=form-editor][data-ready=true]")).to_be_attached()
    days = page.locator("[name='root[rules][0][when][conditions][0][conditions][0][days]']")
    assert days.input_value() == "14"  # two levels down: the recursive condition is drawn
    with page.expect_navigation():
        page.click("#tab-form [data-testid=validate]")
    expect(page.locator("[data-testid=checked]")).to_be_visible()  # the form's answer is the same valid rules

    page.locator("[name='root[rules][0][when][conditions][0][conditions][0][days]']").fill("28")
    page.locator("[name='root[rules][0][cooldown_days]']").fill("45")
    page.locator("[name='root[rules][0][cooldown_days]']").press("Tab")
    page.select_option("#tab-form [data-testid=backtest-rule]", nested_rules["rules"][0]["key"])
    with page.expect_navigation():
        page.click("#tab-form [data-testid=backtest]")
    expect(page.locator("[data-testid=rule-backtest-summary]")).to_contain_text(SUMMARY, use_inner_text=True)

    expect(page.locator("[data-testid=form-editor][data-ready=true]")).to_be_attached()
    with page.expect_navigation():
        page.click("#tab-form [data-testid=save]")
    expect(page.locator("[data-testid=saved]")).to_be_visible()
    with Session(live_server.engine) as db:
        saved = alerts_kind.current(db)[0]
    assert saved.rules[0].cooldown_days == 45
    assert saved.rules[0].when.conditions[0].conditions[0].days == 28  # type: ignore[union-attr]
    assert saved.rules[1:] == alerts_kind.AlertRules.model_validate(nested_rules).rules[1:]
