"""The task pages in headless Chromium against a live server: complete, skip, reassign, log a touch.

The inbox lists tasks as table rows; a task's own page carries its card with the evidence and actions."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.sop.conftest import LiveSop, browse_as

pytestmark = pytest.mark.browser


def card(page: Page, task_id: int) -> Locator:
    """One task: its inbox row, or its card on the task page."""
    return page.locator(f"[data-testid=task][data-task-id='{task_id}']")


def open_task(page: Page, task_id: int) -> None:
    """Follows the task's title from its inbox row to its page."""
    with page.expect_navigation():
        card(page, task_id).get_by_test_id("task-title").click()


def test_a_csm_completes_a_checkbox_task_and_sees_it_done_in_the_account_timeline(
    page: Page, live: LiveSop
) -> None:
    world = live.world
    browse_as(page, live, "chen", "/tasks")
    expect(page.get_by_test_id("task-badge")).to_have_text("5")
    expect(page.locator("[data-count=today]")).to_have_text("3")
    task_id = world.tasks["Aurora/confirm_goals"]
    open_task(page, task_id)
    how_to = card(page, task_id).get_by_test_id("how-to")
    how_to.locator("summary").click()
    expect(how_to).to_contain_text("Ask which two goals matter most this quarter.")
    card(page, task_id).get_by_test_id("evidence-checkbox").check()
    with page.expect_navigation():
        card(page, task_id).get_by_test_id("complete").click()
    expect(page.get_by_test_id("flash")).to_have_text("Completed: Confirm the goals")
    expect(card(page, task_id)).to_have_count(0)
    expect(page.locator("[data-count=today]")).to_have_text("2")
    expect(page.get_by_test_id("task-badge")).to_have_text("4")
    assert world.task("Aurora/confirm_goals").status == "done"

    page.click(f"a[href='/accounts/{world.accounts['Aurora Retail']}']")
    done = page.locator(f"[data-testid=timeline] [data-entry=task_done][data-task-id='{task_id}']")
    expect(done).to_contain_text("Confirm the goals")
    expect(page.locator(f"[data-testid=account-task][data-task-id='{task_id}']")).to_have_count(0)


def test_skipping_is_refused_without_a_reason_then_done_with_one(page: Page, live: LiveSop) -> None:
    world = live.world
    task_id = world.tasks["Birch/write_summary"]
    browse_as(page, live, "chen", "/tasks?tab=overdue")
    expect(card(page, task_id).get_by_test_id("task-due")).to_contain_text("3 days overdue")
    open_task(page, task_id)
    card(page, task_id).get_by_test_id("skip").locator("summary").click()
    with page.expect_response(lambda r: r.url.endswith(f"/tasks/{task_id}/skip")) as answer:
        card(page, task_id).get_by_test_id("skip-submit").click()
    assert answer.value.status == 422
    expect(page.locator("[data-field-error=reason]")).to_have_text("is required: say why the step is skipped")
    expect(page.get_by_test_id("task-errors")).to_contain_text("reason")
    assert world.task("Birch/write_summary").status == "open"

    page.get_by_test_id("skip-reason").fill("Summary was written in the contract annex")
    with page.expect_navigation():
        page.get_by_test_id("skip-submit").click()
    expect(page.get_by_test_id("flash")).to_have_text("Skipped: Write the summary")
    assert page.url.endswith("/tasks")
    expect(card(page, task_id)).to_have_count(0)
    stored = world.task("Birch/write_summary")
    assert (stored.status, stored.skip_reason) == ("skipped", "Summary was written in the contract annex")


def test_a_manager_reassigns_a_task_to_someone_in_the_team(page: Page, live: LiveSop) -> None:
    world = live.world
    task_id = world.tasks["Aurora/write_summary"]
    browse_as(page, live, "manager", f"/tasks?assignee={world.users['chen']}")
    expect(card(page, task_id).get_by_test_id("task-assignee")).to_contain_text("Chen Jing")
    open_task(page, task_id)
    card(page, task_id).get_by_test_id("reassign").locator("summary").click()
    card(page, task_id).get_by_test_id("reassign-to").select_option(label="Li Wei")
    with page.expect_navigation():
        card(page, task_id).get_by_test_id("reassign-submit").click()
    expect(page.get_by_test_id("flash")).to_have_text("Reassigned: Write the summary")
    page.select_option("#f-assignee", label="Chen Jing")
    with page.expect_navigation():
        page.click("[data-testid=task-filters] button[type=submit]")
    expect(card(page, task_id)).to_have_count(0)  # no longer in Chen's queue
    page.select_option("#f-assignee", label="Li Wei")
    with page.expect_navigation():
        page.click("[data-testid=task-filters] button[type=submit]")
    expect(card(page, task_id).get_by_test_id("task-assignee")).to_contain_text("Li Wei")
    assert world.task("Aurora/write_summary").assignee_id == world.users["li"]


def test_logging_a_touch_on_the_account_page_completes_the_matching_touch_task(
    page: Page, live: LiveSop
) -> None:
    world = live.world
    task_id = world.tasks["Birch/call_sponsor"]
    birch = world.accounts["Birch Logistics"]
    browse_as(page, live, "chen", f"/accounts/{birch}")
    expect(page.locator(f"[data-testid=account-task][data-task-id='{task_id}']")).to_be_visible()
    form = page.get_by_test_id("touch-form")
    form.locator("#f-kind").select_option("call")
    form.locator("#f-subject").fill("Sponsor call about Q3 goals")
    form.locator("#f-duration_minutes").fill("20")
    with page.expect_navigation():
        form.get_by_test_id("log-touch").click()
    expect(page.get_by_test_id("sop-flash")).to_have_text("Touch logged; it completed 1 task.")
    expect(page.locator("[data-testid=timeline] [data-entry=touch]").first).to_contain_text(
        "Sponsor call about Q3 goals"
    )
    done = page.locator(f"[data-testid=timeline] [data-entry=task_done][data-task-id='{task_id}']")
    expect(done).to_contain_text("Call the sponsor")
    expect(page.locator(f"[data-testid=account-task][data-task-id='{task_id}']")).to_have_count(0)
    assert world.task("Birch/call_sponsor").status == "done"
