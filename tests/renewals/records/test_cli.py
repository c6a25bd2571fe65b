"""`lodestar renewals list`: the renewals as lines or JSON, scoped by --as, refusing a bad option by name."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from lodestar.cli import app
from lodestar.renewals.records import service
from tests.factories import make_account, make_user
from tests.renewals.records.conftest import Team

runner = CliRunner()


def test_the_list_prints_open_renewals_as_json_and_as_lines(team: Team, db_url: str, tmp_path: Path) -> None:
    from lodestar.auth.models import Role

    mine = team.contract(team.account(name="Mine Ltd"), date(2025, 1, 1), date(2026, 1, 1), "120000")
    other = make_user(team.db, Role.CSM, name="Otto Other")
    theirs = make_account(team.db, other, team.admin, name="Theirs Ltd")
    team.contract(theirs, date(2025, 1, 1), date(2026, 1, 1))
    service.open_and_derive(team.db, date(2025, 10, 1))
    team.db.commit()
    env = {"LODESTAR_DATABASE_URL": db_url, "LODESTAR_DATA_DIR": str(tmp_path)}
    everyone = runner.invoke(app, ["renewals", "list", "--json"], env=env)
    assert everyone.exit_code == 0, everyone.output
    assert json.loads(everyone.output)["total"] == 2
    scoped = runner.invoke(app, ["renewals", "list", "--json", "--as", team.csm.email], env=env)
    items = json.loads(scoped.output)["items"]
    assert [(r["contract_id"], r["arr"], r["forecast"], r["outcome"]) for r in items] == [
        (mine.id, "120000.00", None, None)
    ]
    lines = runner.invoke(app, ["renewals", "list", "--as", team.csm.email], env=env).output.splitlines()
    assert lines[0] == "1 renewal(s), open" and "2026-01-01" in lines[1] and "120000.00 CNY" in lines[1]
    bad = runner.invoke(app, ["renewals", "list", "--status", "sideways"], env=env)
    assert bad.exit_code != 0 and "--status" in bad.output
