"""The daily churn step: with an active model it scores the date and fills open renewals' likelihood."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy.orm import Session

from lodestar.analytics import snapshot_store
from lodestar.pipeline.daily import score_churn
from lodestar.predictions import service as predictions_service
from lodestar.renewals.records import service as renewal_records
from lodestar.renewals.records.models import Renewal
from tests.api_fixtures import Team, team  # noqa: F401
from tests.factories import make_account, make_contract
from tests.predictions.synthetic_history import CUTOFF, HORIZON, write_history


def test_the_churn_step_scores_and_fills_the_open_renewals_likelihood(
    db: Session,
    tmp_path: Path,
    team: Team,  # noqa: F811
) -> None:
    root, data = tmp_path / "snapshots", tmp_path / "data"
    account = make_account(db, team.csm.user, team.admin.user)
    make_contract(db, account, team.admin.user, start_date=date(2024, 1, 1), end_date=date(2025, 1, 1))
    assert renewal_records.open_and_derive(db, CUTOFF)["opened"] == 1
    snapshot_store.write(root, CUTOFF, pa.table({
        "account_id": [account.id], "active_user_ratio_30d": [0.1], "tickets_open": [3], "score": [30.0],
        "stage": ["adoption"], "tier": ["A"],
    }))  # fmt: skip
    assert score_churn(db, root, data, CUTOFF) == 0  # no model yet: nothing scored, nothing filled
    assert db.query(Renewal).one().likelihood is None

    predictions_service.train_model(db, root, data, write_history(root), CUTOFF, HORIZON)
    assert score_churn(db, root, data, CUTOFF) == 1
    churn = predictions_service.likelihoods_on(db, CUTOFF)[account.id]
    db.expire_all()
    assert db.query(Renewal).one().likelihood == pytest.approx(1 - churn)
