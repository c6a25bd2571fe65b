"""SOP pages over HTTP: the inbox's tabs and scoping, task actions and their refusals, the nav badge."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.sop.conftest import World, csrf_of, sign_in


def _count(html: str, tab: str) -> int:
    found = re.search(rf'data-count="{tab}">(\d+)<', html)
    assert found, f"no count for {tab}"
    return int(found.group(1))


def _task_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-testid="task" data-task-id="(\d+)"', html)]


def _post(
    client: TestClient, path: str, data: dict[str, str], files: dict[str, Any] | None = None
) -> httpx.Response:
    token = csrf_of(client.get("/tasks").text)
    return client.post(path, data={"csrf_token": token, **data}, files=files)


def test_the_inbox_shows_a_csms_tasks_due_today_overdue_and_upcoming_with_counts(
    world: World, client: TestClient
) -> None:
    sign_in(client, "chen")
    html = client.get("/tasks").text
    assert (_count(html, "today"), _count(html, "overdue"), _count(html, "upcoming")) == (3, 2, 3)
    assert sorted(_task_ids(html)) == sorted(
        world.tasks[k] for k in ("Aurora/confirm_goals", "Aurora/write_summary", "Birch/call_sponsor")
    )
    overdue = client.get("/tasks?tab=overdue").text
    assert sorted(_task_ids(overdue)) == sorted(
        world.tasks[k] for k in ("Birch/confirm_goals", "Birch/write_summary")
    )
    assert "3 days overdue" in overdue
    assert world.tasks["Delta/confirm_goals"] not in _task_ids(html)  # Li's account


def test_a_task_shows_its_how_to_evidence_and_playbook_in_chinese_for_a_chinese_user(
    world: World, client: TestClient
) -> None:
    sign_in(client, "chen")
    token = csrf_of(client.get("/tasks").text)
    client.post("/language", data={"csrf_token": token, "locale": "zh_CN", "next": "/tasks"})
    html = client.get(f"/tasks/{world.tasks['Aurora/confirm_goals']}").text
    assert "确认目标" in html and "询问本季度最重要的两个目标。" in html and "季度回访" in html
    assert "今天到期" in html


def test_a_manager_sees_the_team_queue_and_can_pick_one_person(world: World, client: TestClient) -> None:
    sign_in(client, "manager")
    everyone = client.get("/tasks").text
    assert world.tasks["Delta/confirm_goals"] in _task_ids(everyone)
    assert world.tasks["Aurora/confirm_goals"] in _task_ids(everyone)
    only_li = client.get(f"/tasks?assignee={world.users['li']}").text
    assert set(_task_ids(only_li)) == {world.tasks["Delta/confirm_goals"], world.tasks["Delta/write_summary"]}


def test_the_stage_and_playbook_filters_narrow_the_list(world: World, client: TestClient) -> None:
    sign_in(client, "chen")
    assert _task_ids(client.get("/tasks?playbook=check_in").text)
    assert _task_ids(client.get("/tasks?playbook=nothing_like_it").text) == []
    assert _task_ids(client.get("/tasks?stage=renewal").text) == []  # started by hand, outside any stage


def test_a_csm_gets_404_for_another_csms_task_page_and_actions_and_nothing_changes(
    world: World, client: TestClient
) -> None:
    sign_in(client, "gao")
    task_id = world.tasks["Aurora/confirm_goals"]
    assert client.get(f"/tasks/{task_id}").status_code == 404
    assert _post(client, f"/tasks/{task_id}/complete", {"checkbox": "on"}).status_code == 404
    assert _post(client, f"/tasks/{task_id}/skip", {"reason": "not mine"}).status_code == 404
    assert _post(client, f"/tasks/{task_id}/skip", {"reason": ""}).status_code == 404
    assert _post(client, f"/tasks/{task_id}/reassign", {"assignee_id": "1"}).status_code == 404
    task = world.task("Aurora/confirm_goals")
    assert (task.status, task.assignee_id) == ("open", world.users["chen"])


def test_completing_a_checkbox_task_takes_it_off_the_due_list(world: World, client: TestClient) -> None:
    sign_in(client, "chen")
    task_id = world.tasks["Aurora/confirm_goals"]
    answer = _post(client, f"/tasks/{task_id}/complete", {"checkbox": "on", "next": "/tasks?tab=today"})
    assert (answer.status_code, answer.headers["location"]) == (303, "/tasks?tab=today")
    html = client.get("/tasks?tab=today").text
    assert task_id not in _task_ids(html) and _count(html, "today") == 2
    assert "Completed: Confirm the goals" in html
    task = world.task("Aurora/confirm_goals")
    assert (task.status, task.done_on, task.evidence) == ("done", world.today, {"checkbox": True})


def test_a_note_task_without_a_note_is_refused_naming_the_field_and_stays_open(
    world: World, client: TestClient
) -> None:
    sign_in(client, "chen")
    task_id = world.tasks["Aurora/write_summary"]
    answer = _post(client, f"/tasks/{task_id}/complete", {"note": "  "})
    assert answer.status_code == 422
    assert "<code>note</code>" in answer.text and 'name="note"' in answer.text
    assert world.task("Aurora/write_summary").status == "open"
    done = _post(client, f"/tasks/{task_id}/complete", {"note": "Goals: faster month-end close."})
    assert done.status_code == 303
    assert world.task("Aurora/write_summary").evidence == {"note": "Goals: faster month-end close."}


def test_evidence_of_the_wrong_type_is_refused(world: World, client: TestClient) -> None:
    sign_in(client, "chen")
    answer = _post(client, f"/tasks/{world.tasks['Aurora/write_summary']}/complete", {"checkbox": "on"})
    assert answer.status_code == 422 and 'data-testid="task-errors"' in answer.text
    assert world.task("Aurora/write_summary").status == "open"


def test_a_file_task_is_completed_by_an_upload_stored_under_the_data_folder(
    world: World, client: TestClient
) -> None:
    sign_in(client, "chen")
    task_id = world.tasks["Aurora/upload_plan"]
    files = {"file": ("plan.pdf", b"%PDF-1.4 success plan", "application/pdf")}
    answer = _post(client, f"/tasks/{task_id}/complete", {}, files)
    assert answer.status_code == 303, answer.text
    stored = list((world.settings.data_dir / "evidence" / str(task_id)).iterdir())
    assert [p.read_bytes() for p in stored] == [b"%PDF-1.4 success plan"]
    assert world.task("Aurora/upload_plan").status == "done"


def test_skipping_needs_a_reason_and_then_records_it(world: World, client: TestClient) -> None:
    sign_in(client, "chen")
    task_id = world.tasks["Birch/write_summary"]
    refused = _post(client, f"/tasks/{task_id}/skip", {"reason": "   "})
    assert refused.status_code == 422
    assert 'data-field-error="reason"' in refused.text and "say why the step is skipped" in refused.text
    assert world.task("Birch/write_summary").status == "open"
    assert _post(client, f"/tasks/{task_id}/skip", {"reason": "Customer on holiday"}).status_code == 303
    task = world.task("Birch/write_summary")
    assert (task.status, task.skip_reason) == ("skipped", "Customer on holiday")
    again = _post(client, f"/tasks/{task_id}/skip", {"reason": "twice"})
    assert again.status_code == 409


def test_a_manager_reassigns_within_the_team_but_not_outside_it(world: World, client: TestClient) -> None:
    sign_in(client, "manager")
    task_id = world.tasks["Aurora/write_summary"]
    page = client.get(f"/tasks/{task_id}").text
    options = re.findall(
        r'<option value="(\d+)"', page.split('data-testid="reassign-to"')[1].split("</select>")[0]
    )
    assert sorted(int(o) for o in options) == sorted(world.users[k] for k in ("manager", "chen", "li"))
    outside = _post(client, f"/tasks/{task_id}/reassign", {"assignee_id": str(world.users["gao"])})
    assert outside.status_code == 422 and "<code>assignee_id</code>" in outside.text
    assert world.task("Aurora/write_summary").assignee_id == world.users["chen"]
    moved = _post(client, f"/tasks/{task_id}/reassign", {"assignee_id": str(world.users["li"])})
    assert moved.status_code == 303
    assert world.task("Aurora/write_summary").assignee_id == world.users["li"]


def test_a_viewer_sees_tasks_but_gets_no_actions(world: World, client: TestClient) -> None:
    sign_in(client, "viewer")
    html = client.get(f"/tasks/{world.tasks['Aurora/confirm_goals']}").text
    assert "Confirm the goals" in html and 'data-testid="complete-form"' not in html
    assert (
        _post(
            client, f"/tasks/{world.tasks['Aurora/confirm_goals']}/complete", {"checkbox": "on"}
        ).status_code
        == 403
    )


def test_the_nav_badge_counts_the_viewers_tasks_due_today_and_overdue(
    world: World, client: TestClient
) -> None:
    sign_in(client, "chen")
    badge = client.get("/tasks/badge").text
    assert re.search(r'data-testid="task-badge"[^>]*>5<', badge)
    assert 'hx-get="/tasks/badge"' in client.get("/accounts").text
