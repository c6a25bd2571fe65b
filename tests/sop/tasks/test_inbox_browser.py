"""The inbox in headless Chromium, in English and Chinese: sorting by ARR, health and risk, bulk actions,
expired tasks, and a Chinese touch completing a step whose keywords are configured per language."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import yaml
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.config import service as config_service
from lodestar.lifecycle import service as lifecycle_service
from lodestar.sop.tasks import service as sop_service
from lodestar.sop.tasks.models import Task
from tests.sop.conftest import PLAYBOOKS, LiveSop, World, browse_as

pytestmark = pytest.mark.browser
LANGUAGES = ["en", "zh_CN"]
WELCOME = """
  - key: welcome
    name: Welcome
    name_zh: 欢迎
    trigger: {kind: stage_entered, stage: handover}
    steps:
      - key: welcome_email
        title: Welcome e-mail
        title_zh: 欢迎邮件
        due_days: 2
        evidence: {kind: touch, touch_kinds: [email], keywords: {en: [Welcome], zh_CN: [欢迎]}}
"""
# ARR and health score of each account: the three sorts give three different orders.
STANDING = {
    "Aurora Retail": (10_000, 20.0),
    "Birch Logistics": (900_000, 90.0),
    "Delta Foods": (200_000, 40.0),
}


def in_language(page: Page, language: str) -> None:
    """Switches the signed-in user's language with the switch in the navigation bar."""
    if language != "en":
        with page.expect_navigation():
            page.click(f"form.lang-switch button[value={language}]")


def _set_standing(world: World) -> None:
    with Session(world.engine) as db:
        for name, (arr, score) in STANDING.items():
            account = db.get(Account, world.accounts[name])
            assert account is not None
            account.arr, account.health_score = Decimal(arr), score
        db.commit()


def _row_accounts(page: Page) -> list[str]:
    names = page.locator("[data-testid=task-list] [data-testid=task-account]").all_inner_texts()
    return list(dict.fromkeys(n.strip() for n in names))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_manager_sorts_the_inbox_by_arr_health_and_risk(page: Page, live: LiveSop, language: str) -> None:
    _set_standing(live.world)
    browse_as(page, live, "manager", "/tasks")
    in_language(page, language)
    expected = {
        "arr": sorted(STANDING, key=lambda n: -STANDING[n][0]),
        "health": sorted(STANDING, key=lambda n: STANDING[n][1]),
        "risk": sorted(STANDING, key=lambda n: -STANDING[n][0] * (100 - STANDING[n][1])),
    }
    assert len({tuple(v) for v in expected.values()}) == 3
    for sort, order in expected.items():
        with page.expect_navigation():
            page.click(f"[data-testid=task-sort] a[data-sort={sort}]")
        expect(page.locator(f"[data-testid=task-sort] a[data-sort={sort}]")).to_have_class("btn btn-primary")
        assert _row_accounts(page) == order, sort
    # The tabs add up to every open task in the header.
    counts = [int(t) for t in page.locator("[data-count]").all_inner_texts()]
    expect(page.get_by_test_id("open-total")).to_contain_text(str(sum(counts)))
    assert sum(counts) == 12


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_csm_completes_two_tasks_at_once_and_a_refused_batch_changes_nothing(
    page: Page, live: LiveSop, language: str
) -> None:
    world = live.world
    browse_as(page, live, "chen", "/tasks")
    in_language(page, language)
    # A touch step cannot be completed in bulk: the whole batch is refused, naming it.
    sponsor = world.tasks["Birch/call_sponsor"]
    for key in ("Aurora/confirm_goals", "Birch/call_sponsor"):
        page.locator(f"[data-task-id='{world.tasks[key]}'] [data-testid=task-select]").check()
    with page.expect_navigation():
        page.get_by_test_id("bulk-submit").click()
    expect(page.get_by_test_id("flash")).to_contain_text(f"task {sponsor}: evidence")
    assert world.task("Aurora/confirm_goals").status == "open"

    for key in ("Aurora/confirm_goals", "Aurora/write_summary"):
        page.locator(f"[data-task-id='{world.tasks[key]}'] [data-testid=task-select]").check()
    page.get_by_test_id("bulk-note").fill("Goals agreed on the call")
    with page.expect_navigation():
        page.get_by_test_id("bulk-submit").click()
    done = {"en": "Completed 2 tasks.", "zh_CN": "已完成 2 个任务。"}[language]
    expect(page.get_by_test_id("flash")).to_have_text(done)
    assert world.task("Aurora/confirm_goals").status == "done"
    summary = world.task("Aurora/write_summary")
    assert (summary.status, summary.evidence) == ("done", {"note": "Goals agreed on the call"})
    expect(page.locator(f"[data-task-id='{world.tasks['Aurora/confirm_goals']}']")).to_have_count(0)

    page.get_by_test_id("bulk-action").select_option("skip")
    page.locator(f"[data-task-id='{sponsor}'] [data-testid=task-select]").check()
    page.get_by_test_id("bulk-reason").fill("Sponsor on leave")
    with page.expect_navigation():
        page.get_by_test_id("bulk-submit").click()
    assert (world.task("Birch/call_sponsor").status, world.task("Birch/call_sponsor").skip_reason) == (
        "skipped",
        "Sponsor on leave",
    )


def _welcome_runs(world: World) -> dict[str, int]:
    """Adds a stage playbook; Aurora enters handover 20 days ago and leaves it 5 days ago, Delta enters
    today. Returns the welcome task of each."""
    body = yaml.safe_load(PLAYBOOKS.rstrip() + "\n" + WELCOME)
    today = world.today
    with Session(world.engine) as db:
        config_service.save(db, "sop", body, "tests")
        aurora, delta = world.accounts["Aurora Retail"], world.accounts["Delta Foods"]
        moves = [
            {
                "account_id": aurora,
                "on": today - timedelta(days=20),
                "from_stage": None,
                "to_stage": "handover",
            },
            {"account_id": delta, "on": today, "from_stage": None, "to_stage": "handover"},
        ]
        left = {"account_id": aurora, "on": today - timedelta(days=5), "from_stage": "handover"}
        for move in [*moves, {**left, "to_stage": "onboarding"}]:
            lifecycle_service.record_stage_changes(db, [move["on"]], [{**move, "reason": "test"}])
        sop_service.fire_stage_entries(db, moves, lifecycle_first_stage="handover")
        sop_service.expire_left_stages(db, today)
        db.commit()
        found = db.execute(select(Task.account_id, Task.id).where(Task.step_key == "welcome_email")).all()
    names = {v: k for k, v in world.accounts.items()}
    return {names[a].split()[0]: t for a, t in found}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_task_of_a_stage_the_account_left_is_expired_and_out_of_the_inbox(
    page: Page, live: LiveSop, language: str
) -> None:
    welcome = _welcome_runs(live.world)
    browse_as(page, live, "chen", "/tasks?tab=overdue")
    in_language(page, language)
    expect(page.locator(f"[data-task-id='{welcome['Aurora']}']")).to_have_count(0)
    page.goto(f"{live.url}/tasks/{welcome['Aurora']}")
    expect(page.get_by_test_id("task-status")).to_have_text(
        {"en": "Expired (stage ended)", "zh_CN": "已过期（阶段已结束）"}[language]
    )
    expect(page.get_by_test_id("task-outcome")).to_contain_text(
        (live.world.today - timedelta(days=5)).isoformat()
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_chinese_subject_completes_the_welcome_email_and_the_page_shows_the_readers_keywords(
    page: Page, live: LiveSop, language: str
) -> None:
    welcome = _welcome_runs(live.world)
    delta = live.world.accounts["Delta Foods"]
    browse_as(page, live, "li", f"/tasks/{welcome['Delta']}")
    in_language(page, language)
    keywords = page.get_by_test_id("evidence-keywords")
    if language == "zh_CN":
        expect(keywords).to_contain_text("“欢迎”")
        expect(keywords).not_to_contain_text("Welcome")
    else:
        expect(keywords).to_contain_text("“Welcome”")
    page.goto(f"{live.url}/accounts/{delta}")
    form = page.get_by_test_id("touch-form")
    form.locator("#f-kind").select_option("email")
    form.locator("#f-subject").fill("欢迎邮件：开通账号")
    with page.expect_navigation():
        form.get_by_test_id("log-touch").click()
    expect(page.locator(f"[data-testid=account-task][data-task-id='{welcome['Delta']}']")).to_have_count(0)
    with Session(live.world.engine) as db:
        task = db.get(Task, welcome["Delta"])
        assert task is not None and task.status == "done" and task.evidence
        assert task.evidence["subject"] == "欢迎邮件：开通账号"
