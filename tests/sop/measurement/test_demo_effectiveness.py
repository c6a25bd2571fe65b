"""On the demo company the effectiveness analysis finds the planted onboarding training and nothing in the
welcome e-mail.

The demo plants a targeted onboarding training that raises training completion by about 30 points, and a
welcome e-mail sent at random with no effect. The demo is built as `lodestar demo` builds it (26 weekly
snapshots that start the playbooks and match the touches, then the team's simulated SOP work); the truth
file is read only to grade the answer.
"""

from __future__ import annotations

import json
import time
from datetime import date

import pytest

from lodestar.analytics.snapshot_store import root_of as snapshot_root
from lodestar.db.engine import unit_of_work
from lodestar.demo import generate_demo
from lodestar.demo.sop import simulate_sop_work
from lodestar.pipeline.daily import run_job
from lodestar.settings import load_settings
from lodestar.snapshots.cli import demo_dates
from lodestar.sop.measurement.effectiveness import EffectRow, effectiveness
from tests.conftest import wipe

TODAY = date(2026, 1, 1)  # the demo's DEFAULT_TODAY
ACCOUNTS = 2000
SEED = 7


def _step(rows: list[EffectRow], step_key: str) -> EffectRow:
    return next(r for r in rows if r.step_key == step_key)


def test_the_planted_training_is_effective_and_the_welcome_email_is_not(engine, db_url, tmp_path) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("one backend is enough for this end-to-end check; the SQL is covered on both elsewhere")
    started = time.perf_counter()
    wipe(engine)
    data_dir = tmp_path / "demo"
    result = generate_demo(engine, data_dir, accounts=ACCOUNTS, seed=SEED, today=TODAY)
    settings = load_settings(data_dir=data_dir, database_url=db_url)
    run_job(engine, settings, demo_dates(TODAY), kind="demo")
    simulate_sop_work(engine, SEED, TODAY)
    with unit_of_work(engine) as session:
        report = effectiveness(session, snapshot_root(settings), as_of=TODAY)
    seconds = time.perf_counter() - started
    training, welcome = _step(report.steps, "targeted_training"), _step(report.steps, "welcome_email")
    for row in (training, welcome):
        print(row.model_dump_json())
    print(f"built and analysed in {seconds:.0f} s")
    # Grade against the truth: the planted effect exists and is about +0.3 of training completion.
    truth = json.loads(result.truth_path.read_text())
    assert any(a["targeted_training"] for a in truth["accounts"])
    assert "raises the share of seats" in " ".join(truth["effects"])
    assert training.outcome_metric == "training_completion"
    assert training.verdict == "effective", training
    assert training.ci_low is not None and training.ci_low > 0
    assert training.effect is not None and 0.15 < training.effect < 0.45
    assert welcome.verdict != "effective", welcome
    assert min(welcome.treated, welcome.untreated) >= report.min_comparisons, welcome
