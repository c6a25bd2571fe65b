"""The churn model trained on the company's history: versioned, activated only when it beats the health
score on the same accounts and dates, scoring every account with risk factors that add up."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.analytics import snapshot_store
from lodestar.kit.errors import InvalidInput
from lodestar.kit.stats import auc
from lodestar.predictions import history_rows, model_files, scoring, service
from lodestar.predictions.modelling.candidates import fitted_model
from lodestar.predictions.modelling.contributions import raw_output
from lodestar.predictions.models import ChurnScore
from tests.api_fixtures import Team, team  # noqa: F401
from tests.factories import make_account
from tests.predictions.synthetic_history import CUTOFF, HORIZON, write_history


def test_a_model_that_beats_the_health_score_is_stored_versioned_and_activated(
    db: Session, tmp_path: Path
) -> None:
    root, data = tmp_path / "snapshots", tmp_path / "data"
    outcomes = write_history(root)
    first = service.train_model(db, root, data, outcomes, CUTOFF, HORIZON)
    assert (first.version, first.active, first.reason) == (1, True, service.ACTIVE)
    assert first.model_auc is not None and first.health_auc is not None and first.model_auc > first.health_auc
    assert first.features == ["active_user_ratio_30d", "tickets_open", "score", "stage", "tier"]
    assert (first.first_date, first.horizon_days) == (date(2024, 1, 1), HORIZON)
    assert first.libraries["lightgbm"] and first.libraries["scikit-learn"]
    path = data / first.file
    assert hashlib.sha256(path.read_bytes()).hexdigest() == first.checksum

    # the health AUC stored is the health score's on the test rows, computed here independently
    rows, label = history_rows.training_rows(root, CUTOFF, HORIZON, outcomes)
    test = (rows["as_of"] >= pd.Timestamp(first.metrics["split_at"])).to_numpy()
    assert first.health_auc == pytest.approx(auc(-rows.loc[test, "score"].to_numpy(), label[test]))
    assert first.metrics["test_rows"] == int(test.sum())

    second = service.train_model(db, root, data, outcomes, CUTOFF, HORIZON)
    db.refresh(first)
    assert (second.version, second.active, first.active, first.reason) == (2, True, False, service.REPLACED)


def test_a_model_no_better_than_the_health_score_is_stored_but_not_activated(
    db: Session, tmp_path: Path
) -> None:
    root, data = tmp_path / "snapshots", tmp_path / "data"
    outcomes = write_history(root, health_knows_all=True)
    found = service.train_model(db, root, data, outcomes, CUTOFF, HORIZON)
    assert found.health_auc == pytest.approx(1.0)
    assert (found.active, found.reason) == (False, service.NOT_BETTER)
    assert (data / found.file).exists() and service.active_version(db) is None
    with pytest.raises(InvalidInput) as caught:
        service.score_date(db, root, data, CUTOFF)
    assert caught.value.problems[0].field == "model"
    assert service.score_if_active(db, root, data, CUTOFF) == 0


def test_training_refuses_a_horizon_out_of_range_and_a_history_too_short(db: Session, tmp_path: Path) -> None:
    root = tmp_path / "snapshots"
    outcomes = write_history(root, n=60)
    for horizon, field in ((0, "horizon"), (HORIZON, "as_of")):
        with pytest.raises(InvalidInput) as caught:
            service.train_model(db, root, tmp_path, outcomes, date(2024, 4, 1), horizon)
        assert caught.value.problems[0].field == field


def test_scoring_stores_likelihoods_and_factors_that_add_up_for_visible_accounts_only(
    db: Session,
    tmp_path: Path,
    team: Team,  # noqa: F811
) -> None:
    root, data = tmp_path / "snapshots", tmp_path / "data"
    service.train_model(db, root, data, write_history(root), CUTOFF, HORIZON)
    mine = [make_account(db, team.csm.user, team.admin.user) for _ in range(3)]
    theirs = make_account(db, team.other_csm.user, team.admin.user)
    ids = [a.id for a in [*mine, theirs]]
    snapshot_store.write(root, CUTOFF, pa.table({
        "account_id": ids, "active_user_ratio_30d": [0.05, 0.5, 0.95, 0.1], "tickets_open": [1, 2, 3, 4],
        "score": [20.0, 50.0, 80.0, 30.0], "stage": ["onboarding", "adoption", "adoption", "churned"],
        "tier": ["A", "B", "zz", "A"],
    }))  # fmt: skip
    assert service.score_date(db, root, data, CUTOFF) == 3  # the churned account is not scored
    stored = {s.account_id: s for s in db.scalars(select(ChurnScore))}
    assert sorted(stored) == ids[:3]
    assert stored[ids[0]].likelihood > stored[ids[2]].likelihood  # low usage: riskier
    by_account = {a.id: a.churn_likelihood for a in db.scalars(select(Account).where(Account.id.in_(ids)))}
    assert by_account == {**{i: stored[i].likelihood for i in ids[:3]}, ids[3]: None}
    assert [len(s.factors) for s in stored.values()] == [3, 3, 3]

    active = next(m for m in service.models(db) if m.active)
    bundle = model_files.load(data, active.file, active.checksum)
    frame = history_rows.feature_frame(snapshot_store.read(root, CUTOFF).to_pandas())
    likelihood, features = scoring.score(bundle, frame)
    np.testing.assert_allclose([stored[i].likelihood for i in ids[:3]], likelihood)
    every = scoring.top_factors(bundle, features, top=len(bundle["spec"].names()))
    raw = raw_output(fitted_model(bundle["model"]), features)
    _, base = scoring.contributions(bundle, features)
    move = 100 * (1 / (1 + np.exp(-raw)) - 1 / (1 + np.exp(-base)))
    np.testing.assert_allclose([sum(f["points"] for f in row) for row in every], move, atol=0.3)

    assert sorted(service.scores_for(db, team.csm.user)) == ids[:3]
    assert service.scores_for(db, team.other_csm.user) == {}
    assert sorted(service.scores_for(db, team.admin.user)) == ids[:3]


def test_a_changed_model_file_is_refused(db: Session, tmp_path: Path) -> None:
    root, data = tmp_path / "snapshots", tmp_path / "data"
    model = service.train_model(db, root, data, write_history(root), CUTOFF, HORIZON)
    with (data / model.file).open("ab") as f:
        f.write(b"tampered")
    with pytest.raises(InvalidInput) as caught:
        service.score_date(db, root, data, date(2024, 9, 30))
    assert "was changed" in str(caught.value.problems[0].message)
