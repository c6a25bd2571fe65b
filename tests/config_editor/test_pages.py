"""The configuration editors over HTTP: who may read and save, the form's JSON and the YAML both stored
through the same validation, problems named by path with nothing written."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.accounts import config_kind as tiers_kind
from lodestar.config import service as config_service
from lodestar.config.models import ConfigVersion
from tests.live_server import Live, csrf_of, signed_in_client


def _count(live: Live, kind: str) -> int:
    with Session(live.engine) as db:
        query = select(func.count()).select_from(ConfigVersion).where(ConfigVersion.kind == kind)
        return db.scalar(query) or 0


def _tiers(live: Live) -> dict[str, Any]:
    with Session(live.engine) as db:
        rules, _ = tiers_kind.current(db)
        return rules.model_dump(mode="json")


@pytest.fixture
def tiers_restored(live_server: Live) -> Iterator[dict[str, Any]]:
    """The active tier rules; whatever a test saves is undone after it (the server is shared)."""
    before = _tiers(live_server)
    yield before
    with Session(live_server.engine) as db:
        config_service.save(db, "tiers", before, live_server.users["admin"])  # a person, as the page shows
        db.commit()


def _form_data(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="config-form-data">(.*?)</script>', page, re.S)
    assert found, "no form data on the page"
    return dict(json.loads(found.group(1)))


def _post(client: Any, kind: str, **fields: str) -> Any:
    token = csrf_of(client.get(f"/settings/config/{kind}").text)
    return client.post(f"/settings/config/{kind}", data={"csrf_token": token, **fields})


def test_a_manager_reads_the_playbooks_as_a_form_and_as_yaml_but_cannot_save(live_server: Live) -> None:
    client = signed_in_client(live_server, "manager")
    page = client.get("/settings/config/sop")
    assert page.status_code == 200
    data = _form_data(page.text)
    assert data["readonly"] is True
    assert data["schema"]["properties"]["playbooks"]["type"] == "array"
    shown = yaml.safe_load(html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page.text, re.S)[1]))
    assert [p["key"] for p in shown["playbooks"]] == [p["key"] for p in data["value"]["playbooks"]]
    before = _count(live_server, "sop")
    refused = _post(client, "sop", source="yaml", config_yaml=yaml.safe_dump(shown), action="save")
    assert refused.status_code == 403
    assert _count(live_server, "sop") == before


def test_csms_and_viewers_cannot_read_the_configuration(live_server: Live) -> None:
    for who in ("chen", "viewer"):
        assert signed_in_client(live_server, who).get("/settings/config/tiers").status_code == 403


def test_an_unknown_kind_is_not_found(live_server: Live) -> None:
    assert signed_in_client(live_server, "admin").get("/settings/config/nonsense").status_code == 404


def test_the_form_answer_is_saved_as_a_new_version(live_server: Live, tiers_restored: dict[str, Any]) -> None:
    client = signed_in_client(live_server, "admin")
    value = _form_data(client.get("/settings/config/tiers").text)["value"]
    value["tiers"][0]["sla"]["first_response_hours"] = 3
    before = _count(live_server, "tiers")
    answer = _post(client, "tiers", source="form", config_json=json.dumps(value), action="save")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/settings/config/tiers?saved={before + 1}"
    stored = _tiers(live_server)
    assert stored["tiers"][0]["sla"]["first_response_hours"] == 3
    assert {k: v for k, v in stored.items() if k != "tiers"} == {
        k: v for k, v in tiers_restored.items() if k != "tiers"
    }
    again = _post(client, "tiers", source="form", config_json=json.dumps(value), action="save")
    assert again.headers["location"] == "/settings/config/tiers?saved=unchanged"
    assert _count(live_server, "tiers") == before + 1


def test_a_bad_value_in_the_form_is_named_by_path_and_nothing_is_written(
    live_server: Live, tiers_restored: dict[str, Any]
) -> None:
    client = signed_in_client(live_server, "admin")
    value = _form_data(client.get("/settings/config/tiers").text)["value"]
    value["tiers"][0]["sla"]["first_response_hours"] = -5
    before = _count(live_server, "tiers")
    answer = _post(client, "tiers", source="form", config_json=json.dumps(value), action="save")
    assert answer.status_code == 422
    assert "tiers.tiers[0].sla.first_response_hours" in answer.text
    assert _count(live_server, "tiers") == before
    assert _tiers(live_server) == tiers_restored
    kept = _form_data(answer.text)["value"]  # the person's answer is shown again to fix
    assert kept["tiers"][0]["sla"]["first_response_hours"] == -5


def test_broken_json_and_broken_yaml_are_refused_by_name(live_server: Live) -> None:
    client = signed_in_client(live_server, "admin")
    broken = _post(client, "tiers", source="form", config_json="{not json", action="validate")
    assert broken.status_code == 422 and "config_json" in broken.text
    bad_yaml = _post(client, "tiers", source="yaml", config_yaml="tiers: [", action="validate")
    assert bad_yaml.status_code == 422 and "is not valid YAML" in bad_yaml.text


def test_validate_checks_the_yaml_without_saving(live_server: Live, tiers_restored: dict[str, Any]) -> None:
    client = signed_in_client(live_server, "admin")
    changed = json.loads(json.dumps(tiers_restored))
    changed["tiers"][0]["sla"]["resolution_hours"] = 99
    before = _count(live_server, "tiers")
    answer = _post(client, "tiers", source="yaml", config_yaml=yaml.safe_dump(changed), action="validate")
    assert answer.status_code == 200 and 'data-testid="checked"' in answer.text
    assert _form_data(answer.text)["value"]["tiers"][0]["sla"]["resolution_hours"] == 99
    assert _count(live_server, "tiers") == before
