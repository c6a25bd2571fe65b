"""`lodestar sop report`: the report's JSON shape and the readable tables, on the default playbooks."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
from typer.testing import CliRunner

from lodestar.auth.models import Role
from lodestar.cli import app
from lodestar.sop.measurement.report import sop_report
from tests.conftest import wipe
from tests.factories import make_user
from tests.sop.measurement import handmade as hand

runner = CliRunner()
START = date(2025, 9, 1)
AS_OF = date(2026, 1, 1)


def _company(db, data_dir) -> None:  # type: ignore[no-untyped-def]
    """40 onboarding runs of the default playbook's targeted training (outcome: training completion)."""
    rng = np.random.default_rng(4)
    csm = make_user(db, Role.CSM, name="Ann CSM")
    values = {}
    for account in hand.accounts(db, [csm.id] * 40, ["smb"] * 40):
        run = hand.run(db, account, "onboarding", START, tier="smb", owner_id=csm.id)
        done = bool(rng.random() < 0.5)
        hand.task(
            db,
            run,
            account,
            "onboarding",
            "targeted_training",
            START + timedelta(days=7),
            status="done" if done else "open",
            done_on=START + timedelta(days=5) if done else None,
            assignee_id=csm.id,
            outcome_metric="training_completion",
            title="Targeted training",
        )
        values[account] = 0.3 + 0.3 * done + float(rng.normal(0, 0.02))
    db.commit()
    for on in hand.days(START, 12):
        hand.snapshot(data_dir / "snapshots", on, values)


def test_the_report_combines_attainment_and_effectiveness(db, tmp_path) -> None:
    _company(db, tmp_path)
    report = sop_report(db, tmp_path / "snapshots", as_of=AS_OF)
    data = json.loads(report.model_dump_json())
    assert set(data) == {
        "as_of",
        "attainment_by_playbook",
        "attainment_by_step",
        "attainment_by_csm",
        "effectiveness",
    }
    assert [r["key"] for r in data["attainment_by_playbook"]] == ["onboarding"]
    assert data["attainment_by_step"][0]["key"] == "onboarding/targeted_training"
    assert data["attainment_by_csm"][0]["label"] == "Ann CSM" and data["attainment_by_csm"][0]["due"] == 40
    step = next(s for s in data["effectiveness"]["steps"] if s["step_key"] == "targeted_training")
    assert (step["outcome_metric"], step["after_days"], step["treated"] + step["untreated"]) == (
        "training_completion",
        45,
        40,
    )
    assert step["effect"] > 0.25 and step["verdict"] == "not_enough_data"  # fewer than 30 per group
    assert data["effectiveness"]["csms"][0]["csm_name"] == "Ann CSM"
    assert "at least 30 comparisons" in data["effectiveness"]["rule"]


def test_the_cli_prints_tables_or_json(engine, db_url, db, tmp_path) -> None:
    wipe(engine)
    _company(db, tmp_path)
    env = {"LODESTAR_DATABASE_URL": db_url, "LODESTAR_DATA_DIR": str(tmp_path)}
    result = runner.invoke(app, ["sop", "report", "--as-of", AS_OF.isoformat(), "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["as_of"] == "2026-01-01" and data["attainment_by_csm"][0]["due"] == 40
    text = runner.invoke(app, ["sop", "report", "--as-of", AS_OF.isoformat()], env=env)
    assert text.exit_code == 0, text.output
    for title in ("Attainment by playbook", "Attainment by CSM", "Effectiveness by step", "Ann CSM"):
        assert title in text.output
    bad = runner.invoke(app, ["sop", "report", "--as-of", "yesterday"], env=env)
    assert bad.exit_code == 2 and "--as-of" in bad.output
