"""Effectiveness (品检) on synthetic portfolios with known planted effects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session

from lodestar.auth.models import Role
from lodestar.db.bulk import insert_returning_ids
from lodestar.sop.measurement.effectiveness import EffectRow, effectiveness
from lodestar.sop.tasks.models import PlaybookRun, Task
from tests.factories import make_user
from tests.sop.measurement import handmade as hand

START = date(2025, 9, 1)
AS_OF = date(2026, 1, 1)


@dataclass
class Portfolio:
    """What was planted: per account, whether each step was done on time and the outcome."""

    root: Path
    csms: list[int]
    training: np.ndarray
    welcome: np.ndarray
    outcome: np.ndarray


def plant(
    db: Session,
    root: Path,
    n: int,
    *,
    seed: int = 1,
    effect: float = 0.3,
    tiers: np.ndarray | None = None,
    training: np.ndarray | None = None,
    base: np.ndarray | None = None,
    csms: int = 2,
    owner_of: np.ndarray | None = None,
) -> Portfolio:
    """n accounts, one onboarding run each (training + welcome tasks) and weekly snapshots of the outcome.

    Training done on time raises the outcome by `effect`; the welcome step is done at random with no effect.
    """
    rng = np.random.default_rng(seed)
    people = [make_user(db, Role.CSM, name=f"CSM {i}") for i in range(csms)]
    owner = owner_of if owner_of is not None else rng.integers(0, csms, n)
    tiers = tiers if tiers is not None else rng.choice(np.array(["ka", "smb"]), n)
    ids = hand.accounts(db, [people[o].id for o in owner], [str(t) for t in tiers])
    trained = training if training is not None else rng.random(n) < 0.5
    welcomed = rng.random(n) < 0.5
    base = base if base is not None else np.full(n, 0.3)
    outcome = np.clip(base + effect * trained + rng.normal(0, 0.05, n), 0, 1)
    triggered = [START + timedelta(days=int(d)) for d in rng.integers(0, 30, n)]
    runs = insert_returning_ids(
        db,
        PlaybookRun,
        [
            {
                "playbook_key": "onboarding",
                "playbook_version": 0,
                "account_id": a,
                "trigger_kind": "stage_entered",
                "trigger_ref": f"stage:onboarding:{t}",
                "triggered_on": t,
                "counts_from": t,
                "stage": "onboarding",
                "tier": str(tiers[i]),
                "owner_id": people[owner[i]].id,
            }
            for i, (a, t) in enumerate(zip(ids, triggered, strict=True))
        ],
    )
    rows = []
    for i, (run_id, a, t) in enumerate(zip(runs, ids, triggered, strict=True)):
        for key, done, due_days in (("training", trained[i], 7), ("welcome", welcomed[i], 2)):
            due = t + timedelta(days=due_days)
            late = rng.random() < 0.5  # untreated tasks: half done late, half left open
            rows.append(
                {
                    "run_id": run_id,
                    "account_id": a,
                    "playbook_key": "onboarding",
                    "step_key": key,
                    "position": 0,
                    "title": key.title(),
                    "required": True,
                    "evidence_kind": "checkbox",
                    "evidence_rule": {},
                    "outcome_metric": "training_completion",
                    "assignee_id": people[owner[i]].id,
                    "due_on": due,
                    "status": "done" if done or late else "open",
                    "done_on": due - timedelta(days=1) if done else due + timedelta(days=5) if late else None,
                }
            )
    insert_returning_ids(db, Task, rows)
    db.commit()
    for on in hand.days(START, 18):
        hand.snapshot(root, on, {a: float(outcome[i]) for i, a in enumerate(ids)})
    return Portfolio(root, [p.id for p in people], trained, welcomed, outcome)


def _step(rows: list[EffectRow], key: str | None) -> EffectRow:
    return next(r for r in rows if r.step_key == key)


def test_a_planted_effect_is_found_with_an_interval_excluding_zero_and_a_null_step_is_not(
    db, tmp_path
) -> None:
    p = plant(db, tmp_path / "snap", 240)
    report = effectiveness(db, p.root, as_of=AS_OF, config=hand.config())
    training = _step(report.steps, "training")
    assert training.verdict == "effective"
    assert training.ci_low is not None and training.ci_low > 0.25
    assert training.effect == pytest.approx(0.3, abs=0.03)
    assert training.treated == int(p.training.sum()) and training.untreated == 240 - int(p.training.sum())
    assert (training.not_yet_measurable, training.cohorts) == (0, 2)
    welcome = _step(report.steps, "welcome")
    assert welcome.verdict == "needs_review"
    assert welcome.ci_low is not None and welcome.ci_high is not None and welcome.ci_low < 0 < welcome.ci_high
    assert "notes" not in {r.step_key for r in report.steps}  # no outcome configured


def test_the_same_seed_gives_the_same_interval(db, tmp_path) -> None:
    p = plant(db, tmp_path / "snap", 120)
    first = effectiveness(db, p.root, as_of=AS_OF, config=hand.config(), seed=3)
    again = effectiveness(db, p.root, as_of=AS_OF, config=hand.config(), seed=3)
    assert _step(first.steps, "training").ci_low == _step(again.steps, "training").ci_low


def test_too_few_comparisons_are_not_enough_data_even_with_a_large_effect(db, tmp_path) -> None:
    p = plant(db, tmp_path / "snap", 40)
    training = _step(effectiveness(db, p.root, as_of=AS_OF, config=hand.config()).steps, "training")
    assert min(training.treated, training.untreated) < 30
    assert training.verdict == "not_enough_data"
    assert training.effect is not None and training.effect > 0.2  # measured, but not called


def test_stratifying_by_cohort_removes_a_confounded_difference(db, tmp_path) -> None:
    # Big accounts (ka) do well anyway and nearly always get the training; small ones rarely do.
    n = 400
    rng = np.random.default_rng(5)
    tiers = np.where(np.arange(n) < n // 2, "ka", "smb")
    trained = np.where(tiers == "ka", rng.random(n) < 0.85, rng.random(n) < 0.15)
    base = np.where(tiers == "ka", 0.8, 0.2)
    p = plant(db, tmp_path / "snap", n, tiers=tiers, training=trained, base=base, effect=0.0)
    training = _step(effectiveness(db, p.root, as_of=AS_OF, config=hand.config()).steps, "training")
    naive = p.outcome[trained].mean() - p.outcome[~trained].mean()
    assert naive > 0.3  # what a plain treated-vs-untreated comparison would claim
    assert training.treated_mean is not None and training.untreated_mean is not None
    assert training.treated_mean - training.untreated_mean == pytest.approx(naive, abs=1e-9)
    assert training.effect == pytest.approx(0.0, abs=0.03)
    assert training.verdict == "needs_review"


def test_outcomes_not_yet_in_a_snapshot_are_counted_and_left_out(db, tmp_path) -> None:
    p = plant(db, tmp_path / "snap", 60)
    # Read 200 days after the trigger: no snapshot is that late yet.
    training = _step(
        effectiveness(db, p.root, as_of=AS_OF, config=hand.config(after_days=200)).steps, "training"
    )
    assert (training.not_yet_measurable, training.treated, training.untreated) == (60, 0, 0)
    assert training.verdict == "not_enough_data" and training.effect is None
    # As of an earlier date the later snapshots do not exist yet either.
    early = effectiveness(db, p.root, as_of=START + timedelta(days=40), config=hand.config())
    assert _step(early.steps, "training").not_yet_measurable > 0


def test_when_lower_is_better_a_rise_is_harm(db, tmp_path) -> None:
    p = plant(db, tmp_path / "snap", 240)
    training = _step(
        effectiveness(db, p.root, as_of=AS_OF, config=hand.config(higher_is_better=False)).steps, "training"
    )
    assert training.verdict == "harmful"
    assert training.effect == pytest.approx(-0.3, abs=0.03)


def test_the_whole_playbook_row_compares_fully_done_runs_with_the_rest(db, tmp_path) -> None:
    p = plant(db, tmp_path / "snap", 240)
    whole = _step(effectiveness(db, p.root, as_of=AS_OF, config=hand.config()).steps, None)
    complete = p.training & p.welcome
    assert (whole.treated, whole.untreated) == (int(complete.sum()), 240 - int(complete.sum()))
    assert whole.title == "(whole playbook)" and whole.effect is not None and whole.effect > 0.1


def test_per_csm_rank_correlation_of_attainment_with_the_outcome(db, tmp_path) -> None:
    n = 130
    owner = np.where(np.arange(n) < 120, 0, 1)  # CSM 0: 120 accounts, CSM 1: 10 accounts
    p = plant(db, tmp_path / "snap", n, csms=2, owner_of=owner, seed=9)
    rows = effectiveness(db, p.root, as_of=AS_OF, config=hand.config(), min_rank_accounts=20).csms
    assert {r.csm_name for r in rows} == {"CSM 0", "CSM 1"}
    big = next(r for r in rows if r.csm_name == "CSM 0")
    assert big.accounts == 120 and big.outcome_metric == "training_completion" and big.after_days == 30
    # Attainment is (training + welcome) / 2; only training moves the outcome: a clear positive rank.
    x = (p.training[:120].astype(float) + p.welcome[:120]) / 2
    expected = np.corrcoef(pd.Series(x).rank(), pd.Series(p.outcome[:120]).rank())[0, 1]
    assert big.rho == pytest.approx(expected) and big.rho > 0.4
    assert big.verdict == "effective" and big.ci_low is not None and big.ci_low > 0
    small = next(r for r in rows if r.csm_name == "CSM 1")
    assert (small.accounts, small.verdict) == (10, "not_enough_data")
