"""The SOP dashboard: attainment by CSM, team and step, the drill-down, and the analysis fragments."""

from __future__ import annotations

import html as html_lib
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from lodestar.auth import service as auth_service
from lodestar.sop.tasks import service as sop_service
from lodestar.sop.tasks.schemas import EvidenceIn
from tests.sop.conftest import World, sign_in


@pytest.fixture
def one_done(world: World) -> World:
    """Chen completed Aurora's goal confirmation on time; everything else due is still open."""
    with Session(world.engine) as db:
        chen = auth_service.get_user(db, world.users["chen"])
        sop_service.complete_task(db, chen, world.tasks["Aurora/confirm_goals"], EvidenceIn(checkbox=True))
        db.commit()
    return world


def _rows(html: str, testid: str) -> dict[str, tuple[int, int, str]]:
    """key -> (due, on time, rate) of an attainment table."""
    table = html.split(f'data-testid="{testid}"')[1].split("</table>")[0]
    out = {}
    for key, row in re.findall(r'<tr data-key="([^"]+)">(.*?)</tr>', table, re.S):
        cells = re.findall(r'<td class="text-end">(\d+)</td>', row)
        rate = re.search(r'data-rate="([^"]*)"', row)
        out[key] = (int(cells[0]), int(cells[1]), rate.group(1) if rate else "")
    return out


def _trend_lines(html: str) -> list[str]:
    found = re.search(r"data-series='([^']*)'", html.split('data-chart="sop-trend"')[1])
    assert found
    return sorted(line["name"] for line in json.loads(html_lib.unescape(found.group(1))))


def test_a_manager_sees_attainment_of_each_csm_team_and_step(one_done: World, client: TestClient) -> None:
    world = one_done
    sign_in(client, "manager")
    page = client.get("/sop")
    assert page.status_code == 200
    by_csm = _rows(page.text, "attainment-csm")
    # Chen: five required steps due (two today on Aurora, three on Birch), one done on time.
    assert by_csm == {str(world.users["chen"]): (5, 1, "0.2000"), str(world.users["li"]): (2, 0, "0.0000")}
    assert _rows(page.text, "attainment-team") == {str(world.users["manager"]): (7, 1, "0.1429")}
    by_step = _rows(page.text, "attainment-step")
    assert by_step["check_in/confirm_goals"] == (3, 1, "0.3333")
    assert "check_in/upload_plan" not in by_step  # optional steps are left out
    assert _trend_lines(page.text) == ["Mei Manager"]  # leaders see their teams' lines first
    assert _trend_lines(client.get("/sop?trend_by=csm").text) == ["Chen Jing", "Li Wei"]


def test_a_csm_sees_only_their_own_attainment(one_done: World, client: TestClient) -> None:
    sign_in(client, "chen")
    assert list(_rows(client.get("/sop").text, "attainment-csm")) == [str(one_done.users["chen"])]


def test_the_drill_down_lists_the_tasks_not_done_on_time(one_done: World, client: TestClient) -> None:
    world = one_done
    sign_in(client, "manager")
    page = client.get(f"/sop/missed?by=csm&key={world.users['chen']}").text
    listed = {int(i) for i in re.findall(r'<tr data-task-id="(\d+)"', page)}
    assert listed == {
        world.tasks[k]
        for k in ("Aurora/write_summary", "Birch/confirm_goals", "Birch/write_summary", "Birch/call_sponsor")
    }
    assert "Missed tasks: Chen Jing" in page
    sign_in(client, "gao")  # outside the team: none of it is theirs to see
    assert (
        re.findall(r"<tr data-task-id", client.get(f"/sop/missed?by=csm&key={world.users['chen']}").text)
        == []
    )


def test_the_analysis_fragments_say_when_there_is_not_enough_data(
    one_done: World, client: TestClient
) -> None:
    sign_in(client, "manager")
    effect = client.get("/sop/effectiveness")
    assert effect.status_code == 200 and "No step with an outcome metric has been due yet." in effect.text
    performers = client.get("/sop/performers")
    assert performers.status_code == 200 and "Not enough data" in performers.text
    shape = client.get("/sop/shape?shape_by=team")
    assert shape.status_code == 200 and 'data-shape="not_enough_data"' in shape.text
    assert "Hammer: the onboarding side" in shape.text  # the rule is shown with the names
    assert "棒槌" not in shape.text and "哑铃" not in shape.text  # no Chinese on the English page
    assert client.get("/sop/shape?shape_by=planet").status_code == 422


def test_a_bad_dashboard_option_is_refused(world: World, client: TestClient) -> None:
    sign_in(client, "manager")
    assert client.get("/sop?period=fortnight").status_code == 422
    assert client.get("/sop/missed?by=galaxy&key=1").status_code == 422
