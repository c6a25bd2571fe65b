"""/settings/alerts: the alert rules' editor (Validate/Save for admins, read-only for managers) and the
backtest of one rule as edited, before it is saved."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from lodestar.alerts import config_kind as alerts_kind
from lodestar.app import create_app
from lodestar.auth.models import User
from lodestar.settings import load_settings
from tests.alerts.inbox_data import Crew, crew, history
from tests.api_fixtures import quick_password_hashes
from tests.factories import PASSWORD
from tests.live_server import csrf_of

__all__ = ["crew", "history", "quick_password_hashes"]


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(load_settings(database_url=db_url, data_dir=tmp_path))
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def _sign_in(client: TestClient, user: User) -> None:
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 303


def _edited_yaml(client: TestClient) -> tuple[str, str]:
    """The editor's YAML with usage_drop's cool-down made 21 days, and the page's CSRF token."""
    page = client.get("/settings/alerts").text
    text = re.search(r'<textarea name="config_yaml"[^>]*>(.*?)</textarea>', page, re.S)
    assert text is not None
    rules = yaml.safe_load(html.unescape(text.group(1)))
    rules["rules"][2]["cooldown_days"] = 21
    return yaml.safe_dump(rules, allow_unicode=True), csrf_of(page)


def test_an_admin_validates_then_saves_an_edited_rule(client: TestClient, db: Session, crew: Crew) -> None:
    _sign_in(client, crew.admin)
    page = client.get("/settings/alerts")
    assert page.status_code == 200 and 'data-testid="form-editor"' in page.text
    data = json.loads(re.search(r'id="config-form-data">(.*?)</script>', page.text, re.S).group(1))  # type: ignore[union-attr]
    assert set(data["schema"]["definitions"]) == {"AllOf", "AnyOf"} and data["readonly"] is False
    assert '<option value="usage_drop">' in page.text  # the rule picker of the backtest
    text, token = _edited_yaml(client)
    checked = client.post(
        "/settings/alerts",
        data={"source": "yaml", "config_yaml": text, "action": "validate", "csrf_token": token},
    )
    assert checked.status_code == 200 and 'data-testid="checked"' in checked.text
    assert alerts_kind.current(db)[1] == 0  # nothing saved by a check
    saved = client.post(
        "/settings/alerts",
        data={"source": "yaml", "config_yaml": text, "action": "save", "csrf_token": token},
    )
    assert (saved.status_code, saved.headers["location"]) == (303, "/settings/alerts?saved=1")
    db.expire_all()
    rules, version = alerts_kind.current(db)
    assert version == 1 and rules.rule("usage_drop").cooldown_days == 21  # type: ignore[union-attr]


def test_bad_rules_are_refused_with_their_path_and_nothing_is_saved(
    client: TestClient, db: Session, crew: Crew
) -> None:
    _sign_in(client, crew.admin)
    text, token = _edited_yaml(client)
    bad = text.replace("metric: active_users_30d", "metric: no_such_metric")
    answer = client.post(
        "/settings/alerts", data={"source": "yaml", "config_yaml": bad, "action": "save", "csrf_token": token}
    )
    assert answer.status_code == 422
    assert "alerts.rules.2.when.metric" in answer.text and "no_such_metric" in answer.text
    assert alerts_kind.current(db)[1] == 0


def _summary(html: str) -> str:
    found = re.search(r'data-testid="rule-backtest-summary">(.*?)</p>', html, re.S)
    assert found is not None, html
    return " ".join(found.group(1).split())


def test_backtest_this_rule_measures_the_rule_as_edited_without_saving_it(
    client: TestClient, db: Session, crew: Crew, history: list[date]
) -> None:
    _sign_in(client, crew.admin)
    rules = alerts_kind.current(db)[0].model_dump(mode="json")
    rules["rules"][2]["enabled"] = False  # a rule switched off is still measured when asked for
    rules["rules"][0]["when"] = {"kind": "any", "conditions": [{"kind": "rule", "rule": "health_drop"},
                                                                {"kind": "absence", "days": 21}]}  # fmt: skip
    form = {
        "source": "form",
        "config_json": json.dumps(rules),
        "action": "backtest",
        "backtest_rule": "usage_drop",
    }
    answer = client.post(
        "/settings/alerts", data=form | {"csrf_token": csrf_of(client.get("/settings/alerts").text)}
    )
    assert answer.status_code == 200, answer.text
    # Switched off, usage_drop is measured all the same: Mate Ltd (churned) and Theirs Ltd lose users.
    assert _summary(answer.text) == (
        "This rule would have raised 2 alerts in the last 180 days; "
        "50% of them on accounts that later churned."
    )
    # A rule built on another is measured with it, as edited: health_drop on Mate Ltd, 21 days' absence on
    # Mine Ltd and Theirs Ltd (as saved, red grades: 2 alerts, 50%).
    form["backtest_rule"] = "health_red"
    token = csrf_of(client.get("/settings/alerts").text)
    edited = client.post("/settings/alerts", data=form | {"csrf_token": token})
    assert _summary(edited.text) == (
        "This rule would have raised 3 alerts in the last 180 days; "
        "33% of them on accounts that later churned."
    )
    assert alerts_kind.current(db)[1] == 0


def test_a_manager_reads_and_backtests_but_cannot_save_and_a_csm_cannot_see_it(
    client: TestClient, crew: Crew, history: list[date]
) -> None:
    _sign_in(client, crew.manager)
    page = client.get("/settings/alerts").text
    assert (
        'data-testid="read-only"' in page
        and 'data-testid="save"' not in page
        and 'data-testid="backtest"' in page
    )
    text, token = _edited_yaml(client)
    form = {"source": "yaml", "config_yaml": text, "csrf_token": token}
    assert client.post("/settings/alerts", data=form | {"action": "save"}).status_code == 403
    tested = client.post(
        "/settings/alerts", data=form | {"action": "backtest", "backtest_rule": "health_red"}
    )
    assert tested.status_code == 200 and _summary(tested.text) == (
        "This rule would have raised 2 alerts in the last 180 days; "
        "50% of them on accounts that later churned."
    )
    _sign_in(client, crew.csm)
    assert client.get("/settings/alerts").status_code == 403


def test_a_rule_to_backtest_must_be_one_of_the_rules(
    client: TestClient, crew: Crew, history: list[date]
) -> None:
    _sign_in(client, crew.admin)
    text, token = _edited_yaml(client)
    form = {"source": "yaml", "config_yaml": text, "csrf_token": token, "action": "backtest"}
    missing = client.post("/settings/alerts", data=form | {"backtest_rule": "nope"})
    assert missing.status_code == 422 and "no rule nope in the rules given" in missing.text
    assert 'data-testid="rule-backtest"' not in missing.text
