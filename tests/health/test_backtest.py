"""Backtest figures on hand-made worlds where the answer is known."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from sqlalchemy.orm import Session

from lodestar.auth.models import Role
from lodestar.contracts import service as contracts_service
from lodestar.contracts.schemas import ContractUpdate
from lodestar.health import repository, service
from lodestar.health.backtest import backtest_health, figures
from lodestar.kit.errors import InvalidInput
from lodestar.kit.stats import auc, lift
from tests.factories import make_account, make_contract, make_user
from tests.progress_calls import Recorded

T = date(2025, 6, 1)


def test_auc_is_one_when_every_churner_has_the_lowest_health_and_a_half_when_all_tie() -> None:
    churned = np.array([True, True, False, False, False])
    assert auc(-np.array([10.0, 20, 60, 70, 80]), churned) == 1.0
    assert auc(-np.array([90.0, 80, 10, 20, 30]), churned) == 0.0
    assert auc(-np.full(5, 50.0), churned) == 0.5
    assert auc(-np.array([10.0, 70, 20, 60, 80]), churned) == pytest.approx(4 / 6)


def test_lift_compares_the_worst_decile_with_the_overall_churn_rate() -> None:
    score = np.arange(20, dtype=float)  # the two lowest are the worst decile
    churned = np.zeros(20, dtype=bool)
    churned[[0, 1, 10, 15]] = True
    assert lift(-score, churned) == pytest.approx(1.0 / 0.2)


def test_figures_give_a_bootstrap_interval_around_the_estimate() -> None:
    rng = np.random.default_rng(1)
    churned = rng.random(400) < 0.2
    score = np.where(churned, 30, 60) + rng.normal(0, 15, 400)
    f = figures(score, churned)
    assert f.accounts == 400 and f.churned == int(churned.sum())
    assert f.auc_low < f.auc < f.auc_high and f.auc > 0.8
    assert f.lift_low < f.lift < f.lift_high


def test_backtest_health_grades_history_against_contracts_that_ended_without_renewal(db: Session) -> None:
    admin = make_user(db, Role.ADMIN)
    rows = []
    for i in range(10):
        account = make_account(db, admin, name=f"A{i}")
        contract = make_contract(
            db, account, admin, start_date=date(2024, 10, 1), end_date=date(2025, 9, 30), today=T
        )
        if i < 3:  # the three least healthy churn on 30 September, inside the 180 days after T
            contracts_service.update_contract(
                db, admin, contract.id, ContractUpdate(status="expired"), today=T
            )
        rows.append(
            {
                "account_id": account.id,
                "as_of": T,
                "score": 10.0 * i + 5,
                "grade": None,
                "coverage": 1.0,
                "model": "default",
                "model_version": 3,
                "stage": "renewal",
            }
        )
    repository.replace_history(db, [T], rows)
    heard = Recorded()
    [result] = backtest_health(db, [T], 180, today=date(2026, 1, 1), progress=heard)
    assert heard.totals == [1] and heard.done == 1 and heard.done_notes == [str(T)]
    assert (result.accounts, result.churned, result.model_version, result.auc) == (10, 3, 3, 1.0)
    assert result.lift == pytest.approx(1 / 0.3)
    [shorter] = backtest_health(db, [T], 90, today=date(2026, 1, 1))
    assert shorter.churned == 0 and shorter.auc is None
    assert len(service.backtests(db)) == 2


def test_backtest_refuses_dates_without_history_naming_the_field(db: Session) -> None:
    with pytest.raises(InvalidInput) as err:
        backtest_health(db, [T], 180, today=date(2026, 1, 1))
    assert err.value.problems[0].field == "as_of" and "2025-06-01" in err.value.problems[0].message
