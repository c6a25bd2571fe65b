"""`lodestar alerts list|ack|resolve`: the inbox from the command line, as a user (--as), with --json."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lodestar.alerts.models import Alert
from lodestar.cli import app
from tests.alerts.inbox_data import Crew, crew

__all__ = ["crew"]
runner = CliRunner()


@pytest.fixture
def env(db_url: str, tmp_path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"LODESTAR_DATABASE_URL": db_url, "LODESTAR_DATA_DIR": str(tmp_path / "data")}


def test_list_shows_the_live_alerts_as_text_or_json_and_scopes_by_as(env: dict[str, str], crew: Crew) -> None:
    text = runner.invoke(app, ["alerts", "list"], env=env)
    assert text.exit_code == 0, text.output
    lines = text.output.strip().splitlines()
    assert lines[0] == "4 alert(s) in live"
    assert lines[1].startswith(f"#{crew.alerts['red']}") and "health_red" in lines[1]
    assert lines[1].endswith("Mine Ltd                       active-user ratio 0.42 -> 0.21")
    mine = runner.invoke(app, ["alerts", "list", "--as", crew.csm.email, "--json"], env=env)
    payload = json.loads(mine.output)
    assert payload["total"] == 2 and {a["account_name"] for a in payload["items"]} == {"Mine Ltd"}
    assert payload["items"][0]["evidence_text"] == ["active-user ratio 0.42 -> 0.21"]
    warned = runner.invoke(
        app, ["alerts", "list", "--state", "all", "--severity", "warning", "--json"], env=env
    )
    assert json.loads(warned.output)["total"] == 3
    bad = runner.invoke(app, ["alerts", "list", "--state", "closed"], env=env)
    assert bad.exit_code == 2 and "--state: must be one of live, open" in bad.output


def test_ack_acknowledges_all_or_none_as_the_user_named(env: dict[str, str], db: Session, crew: Crew) -> None:
    a = crew.alerts
    refused = runner.invoke(
        app, ["alerts", "ack", str(a["red"]), str(a["theirs"]), "--as", crew.csm.email], env=env
    )
    assert refused.exit_code == 2
    assert f"alert {a['theirs']} not found (nothing was changed)" in refused.output
    db.expire_all()
    assert db.get(Alert, a["red"]).state == "open"  # type: ignore[union-attr]
    nobody = runner.invoke(app, ["alerts", "ack", str(a["red"])], env=env)
    assert nobody.exit_code == 2 and "--as: give the e-mail" in nobody.output
    done = runner.invoke(
        app, ["alerts", "ack", str(a["red"]), str(a["usage"]), "--as", crew.csm.email, "--json"], env=env
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == {"acknowledged": [a["red"], a["usage"]]}
    db.expire_all()
    assert db.get(Alert, a["usage"]).acknowledged_by == crew.csm.id  # type: ignore[union-attr]


def test_resolve_needs_a_reason_and_reports_the_alert(env: dict[str, str], db: Session, crew: Crew) -> None:
    red = crew.alerts["red"]
    blank = runner.invoke(
        app, ["alerts", "resolve", str(red), "--reason", " ", "--as", crew.admin.email], env=env
    )
    assert blank.exit_code == 2 and "--reason: is required" in blank.output
    done = runner.invoke(
        app,
        ["alerts", "resolve", str(red), "--reason", "Sponsor called back", "--as", crew.admin.email],
        env=env,
    )
    assert done.exit_code == 0, done.output
    assert done.output.strip() == f"resolved alert {red} on Mine Ltd: Sponsor called back"
    again = runner.invoke(
        app, ["alerts", "resolve", str(red), "--reason", "x", "--as", crew.admin.email, "--json"], env=env
    )
    assert again.exit_code == 2 and f"alert {red} is already resolved" in again.output
    unknown = runner.invoke(app, ["alerts", "list", "--as", "nobody@example.com"], env=env)
    assert unknown.exit_code == 2 and "--as: no active user with e-mail nobody@example.com" in unknown.output
