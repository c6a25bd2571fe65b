"""The playbook settings page: the list, and the YAML editor's Validate and Save with problems by path."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import yaml
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.config.models import ConfigVersion
from lodestar.sop.playbooks import service as sop_service
from lodestar.sop.playbooks.schemas import SopConfig
from tests.sop.conftest import PLAYBOOKS, World, csrf_of, sign_in


def _versions(world: World) -> int:
    with Session(world.engine) as db:
        count = select(func.count()).select_from(ConfigVersion).where(ConfigVersion.kind == "sop")
        return db.scalar(count) or 0


def _post(client: TestClient, text: str, action: str) -> tuple[int, str]:
    token = csrf_of(client.get("/settings/playbooks").text)
    answer = client.post(
        "/settings/playbooks", data={"csrf_token": token, "sop_yaml": text, "action": action}
    )
    return answer.status_code, answer.text


def _problems(page: str) -> list[str]:
    block = page.split('data-testid="problems"')[1].split("</ul>")[0]
    return [
        html_lib.unescape(re.sub(r"<[^>]+>", "", li)).strip()
        for li in re.findall(r"<li>(.*?)</li>", block, re.S)
    ]


def _body() -> dict[str, Any]:
    return yaml.safe_load(PLAYBOOKS)  # type: ignore[no-any-return]


def test_admins_edit_the_playbooks_managers_read_them_and_csms_do_not_see_them(
    world: World, client: TestClient
) -> None:
    sign_in(client, "chen")
    assert client.get("/settings/playbooks").status_code == 403
    sign_in(client, "manager")
    page = client.get("/settings/playbooks")
    assert page.status_code == 200 and 'data-playbook="check_in"' in page.text and "季度回访" in page.text
    assert 'data-testid="playbook-editor"' not in page.text and 'data-testid="read-only"' in page.text
    saved = client.post(
        "/settings/playbooks", data={"sop_yaml": "assignment: least_load", "csrf_token": csrf_of(page.text)}
    )
    assert saved.status_code == 403
    sign_in(client, "admin")
    page = client.get("/settings/playbooks").text
    assert 'data-playbook="check_in"' in page and "Quarterly check-in" in page and "季度回访" in page
    assert "Started by hand" in page and "4 steps" in page


def test_the_editor_is_prefilled_with_the_active_playbooks(world: World, client: TestClient) -> None:
    sign_in(client, "admin")
    page = client.get("/settings/playbooks").text
    found = re.search(r'<textarea id="f-sop_yaml"[^>]*>(.*?)</textarea>', page, re.S)
    assert found
    with Session(world.engine) as db:
        active, _ = sop_service.current_config(db)
    shown = yaml.safe_load(html_lib.unescape(found.group(1)))
    assert SopConfig.model_validate(shown) == active and "Confirm the goals" in found.group(1)


def test_a_playbook_with_a_cycle_is_refused_with_the_path_and_nothing_is_saved(
    world: World, client: TestClient
) -> None:
    sign_in(client, "admin")
    body = _body()
    steps = body["playbooks"][0]["steps"]
    steps[0]["after"], steps[1]["after"] = ["write_summary"], ["confirm_goals"]
    before = _versions(world)
    for action in ("validate", "save"):
        status, page = _post(client, yaml.safe_dump(body, allow_unicode=True), action)
        assert status == 422
        assert _problems(page) == [
            "sop.playbooks[0].steps[0].after: steps follow each other in a cycle: "
            "confirm_goals -> write_summary -> confirm_goals"
        ]
    assert _versions(world) == before


def test_unknown_stages_steps_due_before_the_trigger_and_bad_yaml_are_named(
    world: World, client: TestClient
) -> None:
    sign_in(client, "admin")
    body = _body()
    body["playbooks"][0]["trigger"] = {"kind": "stage_entered", "stage": "honeymoon"}
    status, page = _post(client, yaml.safe_dump(body), "validate")
    assert status == 422
    assert _problems(page)[0].startswith("sop.playbooks[0].trigger.stage: unknown stage 'honeymoon'; known: ")
    body = _body()
    body["playbooks"][0]["steps"][1]["due_days"] = -2
    status, page = _post(client, yaml.safe_dump(body), "validate")
    assert status == 422
    assert _problems(page) == [
        "sop.playbooks[0].steps[1].due_days: is due 2 day(s) before its trigger; due_days must be >= 0"
    ]
    status, page = _post(client, "playbooks: [\n  - key: x\n    name: [", "validate")
    assert status == 422 and _problems(page)[0].startswith("line ")


def test_validate_checks_without_saving_and_save_makes_a_new_version(
    world: World, client: TestClient
) -> None:
    sign_in(client, "admin")
    body = _body()
    body["playbooks"][0]["steps"][0]["title"] = "Confirm this quarter's goals"
    text = yaml.safe_dump(body, allow_unicode=True)
    before = _versions(world)
    status, page = _post(client, text, "validate")
    assert status == 200 and "Valid: 1 playbooks, 4 steps." in page and _versions(world) == before
    token = csrf_of(client.get("/settings/playbooks").text)
    answer = client.post(
        "/settings/playbooks", data={"csrf_token": token, "sop_yaml": text, "action": "save"}
    )
    assert answer.status_code == 303 and _versions(world) == before + 1
    assert answer.headers["location"] == f"/settings/playbooks?saved={before + 1}"
    assert "New trigger occurrences use it" in client.get(answer.headers["location"]).text
    assert world.task("Aurora/confirm_goals").title == "Confirm the goals"  # tasks already made keep theirs
