"""The account page's SOP part: logging a touch, starting a playbook, open tasks and the timeline."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.engagement.models import Touch
from lodestar.health.models import HealthHistory
from lodestar.lifecycle.models import StageTransition
from lodestar.sop.tasks.models import Task
from tests.sop.conftest import World, csrf_of, sign_in


def _touches(world: World) -> int:
    with Session(world.engine) as db:
        return db.scalar(select(func.count()).select_from(Touch)) or 0


def _entries(html: str) -> list[str]:
    """The timeline's entry kinds, top to bottom."""
    timeline = html.split('data-testid="timeline"')[1]
    return re.findall(r'data-entry="([a-z_]+)"', timeline)


def _log_touch(client: TestClient, account_id: int, **fields: str) -> tuple[int, str]:
    page = client.get(f"/accounts/{account_id}").text
    answer = client.post(f"/accounts/{account_id}/touches", data={"csrf_token": csrf_of(page), **fields})
    return answer.status_code, answer.text


def test_logging_a_matching_touch_completes_the_touch_task_and_shows_in_the_timeline(
    world: World, client: TestClient
) -> None:
    # 00:00: a touch later today than the clock reads is refused as in the future, whenever the suite runs.
    sign_in(client, "chen")
    birch = world.accounts["Birch Logistics"]
    day = world.today.isoformat()
    status, _ = _log_touch(
        client,
        birch,
        kind="call",
        occurred_on=day,
        occurred_time="00:00",
        subject="Sponsor call: Q3 goals",
        notes="Agreed on two goals.",
        duration_minutes="25",
    )
    assert status == 303
    task = world.task("Birch/call_sponsor")
    assert (task.status, task.done_on) == ("done", world.today)
    html = client.get(f"/accounts/{birch}").text
    assert "Touch logged; it completed 1 task." in html
    assert _entries(html) == ["task_done", "touch", "run"]  # the same day reads in the order it happened
    assert "Sponsor call: Q3 goals" in html and "25 min" in html
    open_ids = re.findall(r'data-testid="account-task" data-task-id="(\d+)"', html)
    assert str(world.tasks["Birch/call_sponsor"]) not in open_ids
    assert str(world.tasks["Birch/write_summary"]) in open_ids


def test_a_touch_that_does_not_match_completes_nothing(world: World, client: TestClient) -> None:
    sign_in(client, "chen")
    status, _ = _log_touch(
        client,
        world.accounts["Birch Logistics"],
        kind="call",
        occurred_on=world.today.isoformat(),
        occurred_time="00:00",
        subject="Billing question",
    )
    assert status == 303
    assert world.task("Birch/call_sponsor").status == "open"


def test_a_bad_touch_is_refused_naming_the_field_and_nothing_is_written(
    world: World, client: TestClient
) -> None:
    sign_in(client, "chen")
    aurora = world.accounts["Aurora Retail"]
    status, html = _log_touch(client, aurora, kind="call", occurred_on="", subject="x")
    assert status == 422 and 'data-field-error="occurred_on"' in html
    status, html = _log_touch(
        client, aurora, kind="fax", occurred_on=world.today.isoformat(), duration_minutes="-5"
    )
    assert status == 422
    assert 'data-field-error="kind"' in html and 'data-field-error="duration_minutes"' in html
    assert _touches(world) == 0


def test_another_csms_account_cannot_be_given_a_touch(world: World, client: TestClient) -> None:
    sign_in(client, "gao")
    page = client.get("/accounts").text
    answer = client.post(
        f"/accounts/{world.accounts['Aurora Retail']}/touches",
        data={"csrf_token": csrf_of(page), "kind": "call", "occurred_on": world.today.isoformat()},
    )
    assert answer.status_code == 404 and _touches(world) == 0


def test_the_timeline_merges_stage_health_playbook_and_task_events_newest_first(
    world: World, client: TestClient
) -> None:
    aurora = world.accounts["Aurora Retail"]
    earlier = world.today - timedelta(days=20)
    with Session(world.engine) as db:
        db.add(StageTransition(account_id=aurora, on=earlier, from_stage=None, to_stage="onboarding"))
        db.add(
            StageTransition(
                account_id=aurora,
                on=world.today - timedelta(days=5),
                from_stage="onboarding",
                to_stage="growth",
                reason="went live",
            )
        )
        for back, score, grade in ((14, 75.0, "green"), (7, 72.0, "green"), (1, 45.0, "yellow")):
            db.add(
                HealthHistory(
                    account_id=aurora,
                    as_of=world.today - timedelta(days=back),
                    score=score,
                    grade=grade,
                    coverage=1.0,
                    model="default",
                    model_version=0,
                )
            )
        db.commit()
    sign_in(client, "chen")
    token = csrf_of(client.get("/tasks").text)
    client.post(
        f"/tasks/{world.tasks['Aurora/confirm_goals']}/skip",
        data={"csrf_token": token, "reason": "Goals fixed in the contract"},
    )
    html = client.get(f"/accounts/{aurora}").text
    assert _entries(html) == ["task_skipped", "run", "health", "stage", "stage"]
    assert "Goals fixed in the contract" in html and "went live" in html
    assert "72 → 45" in html  # a grade change; the 3-point move before it is not news


def test_starting_a_manual_playbook_from_the_account_page_makes_its_tasks(
    world: World, client: TestClient
) -> None:
    sign_in(client, "chen")
    aurora = world.accounts["Aurora Retail"]
    page = client.get(f"/accounts/{aurora}").text
    assert 'data-testid="start-playbook"' in page and "Quarterly check-in" in page
    answer = client.post(
        f"/accounts/{aurora}/playbooks", data={"csrf_token": csrf_of(page), "playbook_key": "check_in"}
    )
    assert (answer.status_code, answer.headers["location"]) == (303, f"/accounts/{aurora}#sop")
    with Session(world.engine) as db:
        assert db.scalar(select(func.count()).where(Task.account_id == aurora)) == 8
    assert "Playbook started: Quarterly check-in" in client.get(f"/accounts/{aurora}").text


def test_an_unknown_playbook_is_refused_with_the_reason(world: World, client: TestClient) -> None:
    sign_in(client, "chen")
    aurora = world.accounts["Aurora Retail"]
    page = client.get(f"/accounts/{aurora}").text
    answer = client.post(
        f"/accounts/{aurora}/playbooks", data={"csrf_token": csrf_of(page), "playbook_key": "nope"}
    )
    assert answer.status_code == 422 and "unknown playbook" in answer.text


def test_the_touch_time_is_read_in_the_company_time_zone(world: World, client: TestClient) -> None:
    sign_in(client, "chen")
    _log_touch(
        client,
        world.accounts["Aurora Retail"],
        kind="visit",
        occurred_on="2026-03-02",
        occurred_time="08:00",
    )
    with Session(world.engine) as db:
        stored = db.scalars(select(Touch.occurred_at)).one()
    assert stored == datetime.fromisoformat("2026-03-02T08:00:00+08:00")


def test_a_task_done_entry_names_who_completed_it_not_whom_it_was_assigned_to(
    world: World, client: TestClient
) -> None:
    task = world.task("Aurora/confirm_goals")
    with Session(world.engine) as db:
        assignee = db.get(Task, task.id)
        assert assignee is not None and assignee.assignee_id == world.users["chen"]
    sign_in(client, "admin")
    page = client.get(f"/tasks/{task.id}").text
    done = client.post(f"/tasks/{task.id}/complete", data={"csrf_token": csrf_of(page), "checkbox": "on"})
    assert done.status_code == 303, done.text
    html = client.get(f"/accounts/{world.accounts['Aurora Retail']}").text
    by = re.findall(r'data-testid="done-by"> · ([^<]*)</span>', html)
    assert by == ["Ada Admin"]
