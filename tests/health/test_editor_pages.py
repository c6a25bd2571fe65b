"""The health model editor: prefilled YAML, preview before saving, problems by path, saving a version."""

from __future__ import annotations

import re
from typing import Any

import yaml
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.config.models import ConfigVersion
from lodestar.health import config_kind as health_kind
from tests.snapshots.conftest import Snapped, csrf_of, sign_in


def _versions(snapped: Snapped) -> int:
    with Session(snapped.engine) as db:
        return (
            db.scalar(select(func.count()).select_from(ConfigVersion).where(ConfigVersion.kind == "health"))
            or 0
        )


def _active_yaml(snapped: Snapped) -> dict[str, Any]:
    with Session(snapped.engine) as db:
        config, _ = health_kind.current(db)
        return config.model_dump(mode="json")


def _post(client: TestClient, text: str, action: str, horizon: str = "180") -> tuple[int, str]:
    token = csrf_of(client.get("/settings/health").text)
    answer = client.post(
        "/settings/health",
        data={"csrf_token": token, "health_yaml": text, "action": action, "horizon": horizon},
    )
    return answer.status_code, answer.text


def _cells(html: str, attr: str) -> list[str]:
    row = html.split(attr)[1].split("</tr>")[0]
    return [
        re.sub(r"<[^>]+>|\s+", " ", c).strip()
        for c in re.findall(r'<td class="text-end[^"]*">(.*?)</td>', row, re.S)
    ]


def test_the_editor_is_prefilled_with_the_active_health_configuration(
    snapped: Snapped, client: TestClient
) -> None:
    sign_in(client, "manager")
    html = client.get("/settings/health").text
    found = re.search(r'<textarea id="f-health_yaml"[^>]*>(.*?)</textarea>', html, re.S)
    assert found
    text = found.group(1)
    assert yaml.safe_load(
        text.replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&")
    ) == _active_yaml(snapped)


def test_a_csm_may_not_open_the_editor(snapped: Snapped, client: TestClient) -> None:
    sign_in(client, "csm")
    assert client.get("/settings/health").status_code == 403


def test_preview_compares_grades_and_backtest_without_saving(snapped: Snapped, client: TestClient) -> None:
    sign_in(client, "admin")
    body = _active_yaml(snapped)
    for model in body["models"]:
        model["grades"] = {"green": 99, "yellow": 98}  # nearly everyone turns red
    before = _versions(snapped)
    status, html = _post(client, yaml.safe_dump(body), "preview")
    assert status == 200 and _versions(snapped) == before
    now_green, proposed_green, change = _cells(html, 'data-grade-row="green"')
    assert int(now_green) >= 1 and proposed_green == "0" and change == f"-{now_green}"
    assert int(_cells(html, 'data-grade-row="red"')[1]) >= int(now_green)
    auc_now, auc_new = _cells(html, 'data-figure="auc"')
    assert (
        re.match(r"\d\.\d{3}", auc_now) and auc_now.split()[0] == auc_new.split()[0]
    )  # grades do not move scores


def test_bad_yaml_is_refused_with_its_line_and_nothing_is_saved(snapped: Snapped, client: TestClient) -> None:
    sign_in(client, "admin")
    before = _versions(snapped)
    status, html = _post(client, "models:\n  - name: [unclosed\n", "save")
    assert status == 422 and _versions(snapped) == before
    assert (
        "<code>line 3</code>: is not valid YAML" in html or "<code>line 2</code>: is not valid YAML" in html
    )
    assert "Nothing was saved" in html


def test_an_invalid_model_names_the_path_and_reason_of_every_problem(
    snapped: Snapped, client: TestClient
) -> None:
    sign_in(client, "admin")
    body = _active_yaml(snapped)
    body["models"][-1]["measures"][0]["weight"] = -1
    body["models"][-1]["measures"][1]["metric"] = "no_such_metric"
    last = len(body["models"]) - 1
    before = _versions(snapped)
    status, html = _post(client, yaml.safe_dump(body), "save")
    assert status == 422 and _versions(snapped) == before
    assert f"<code>health.models[{last}].measures[0].weight</code>: must be &gt; 0" in html
    status, html = _post(
        client, yaml.safe_dump({**body, "models": body["models"]}).replace("-1", "1"), "preview"
    )
    assert status == 422
    assert (
        f"<code>health.models[{last}].measures[1].metric</code>: unknown metric &#39;no_such_metric&#39;"
        in html
    )


def test_a_bad_horizon_is_refused_naming_the_field(snapped: Snapped, client: TestClient) -> None:
    sign_in(client, "admin")
    status, html = _post(client, yaml.safe_dump(_active_yaml(snapped)), "preview", horizon="0")
    assert status == 422 and "<code>horizon</code>: must be between 1 and 730 days" in html


def test_saving_stores_a_new_active_version_with_its_author(snapped: Snapped, client: TestClient) -> None:
    sign_in(client, "manager")
    body = _active_yaml(snapped)
    body["models"][-1]["grades"] = {"green": 75, "yellow": 45}
    token = csrf_of(client.get("/settings/health").text)
    answer = client.post(
        "/settings/health", data={"csrf_token": token, "health_yaml": yaml.safe_dump(body), "action": "save"}
    )
    assert answer.status_code == 303
    number = int(answer.headers["location"].split("saved=")[1])
    with Session(snapped.engine) as db:
        config, version = health_kind.current(db)
        author = db.scalars(select(ConfigVersion.author).where(ConfigVersion.version == version)).one()
    assert version == number and config.models[-1].grades.green == 75 and author == "ui-manager@example.com"
    page = client.get(answer.headers["location"]).text
    assert f"Saved as version {number}." in page and f'data-testid="active-version">v{number}<' in page


def test_a_form_without_the_csrf_token_is_refused(snapped: Snapped, client: TestClient) -> None:
    sign_in(client, "admin")
    answer = client.post("/settings/health", data={"health_yaml": "models: []", "action": "save"})
    assert answer.status_code == 403
