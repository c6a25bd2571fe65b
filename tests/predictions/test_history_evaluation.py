"""`predict churn evaluate` on the history: backtests at several cut-offs that learn only from windows closed
by then, a k-fold grouped by account, and the health score's AUC on the very rows tested."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lodestar.kit.stats import auc
from lodestar.predictions import history_evaluation, history_rows, service
from lodestar.predictions.history_evaluation_text import history_lines
from lodestar.web.i18n import gettext_for
from tests.predictions.synthetic_history import CUTOFF, HORIZON, write_history


def test_the_folds_never_put_an_account_on_both_sides() -> None:
    ids = np.repeat(np.arange(40), 7)
    found = history_evaluation.folds(ids)
    assert len(found) == history_evaluation.FOLDS
    for train, test in found:
        assert not set(ids[train]) & set(ids[test])
    assert sorted(np.concatenate([test for _, test in found]).tolist()) == list(range(len(ids)))


def test_history_evaluation_backtests_at_several_cut_offs_beside_the_health_score(tmp_path: Path) -> None:
    # (the rows as `service.evaluate_history` reads them, without accounts: one run, no database, as the
    # evaluation fits 16 calibrated models)
    root = tmp_path / "snapshots"
    rows, label = history_rows.training_rows(root, CUTOFF, HORIZON, write_history(root, n=250))
    found = service.history_evaluation_of(rows, label, CUTOFF, HORIZON)
    assert (found.rows, found.positives) == (len(label), int(label.sum()))
    assert len(found.backtests) + len(found.skipped) == 3 and len(found.backtests) >= 2
    for check in found.backtests:
        cut, until = pd.Timestamp(check.split_at), pd.Timestamp(check.test_until)
        tested = ((rows["as_of"] >= cut) & (rows["as_of"] <= until)).to_numpy()
        learnt = (rows["as_of"] + pd.Timedelta(days=HORIZON) <= cut).to_numpy()
        assert (check.test_rows, check.train_rows) == (int(tested.sum()), int(learnt.sum()))
        # the health score's AUC is computed on exactly the rows tested
        expected = auc(-rows.loc[tested, "score"].to_numpy(), label[tested])
        assert check.health.auc.value == pytest.approx(expected)
        assert check.health.rows == int(tested.sum())
        for candidate in check.candidates:
            figures = candidate.figures
            assert figures.auc.low is not None and figures.auc.low <= figures.auc.value <= figures.auc.high
            assert figures.brier.value is not None and len(figures.reliability) == 10
        # the planted signal is the active-user ratio; the health score sees it through noise
        assert check.health.model_auc.value > check.health.auc.value
    assert found.k_fold.folds == 5 and found.k_fold.test_rows == len(label)
    assert found.k_fold.health.model_auc.value > 0.75
    # the same evaluation, read in both languages (one run of the slow part for both)
    english = "\n".join(history_lines(found, gettext_for("en")))
    chinese = "\n".join(history_lines(found, gettext_for("zh_CN")))
    assert "Backtest at" in english and "health score AUC" in english and "5-fold" in english
    assert "回测" in chinese and "健康分" in chinese and "Backtest" not in chinese


def test_the_cut_offs_spread_from_four_weeks_of_closed_windows_to_trainings_split() -> None:
    weekly = pd.Series(pd.date_range("2025-06-03", "2026-05-05", freq="7D"))
    found = [c.date().isoformat() for c in history_evaluation.cut_offs(weekly, 180)]
    # 2025-06-03 + 180 + 28 days is 2025-12-28; training's split is the first date of the latest quarter
    assert found == ["2025-12-30", "2026-01-20", "2026-02-10"]
