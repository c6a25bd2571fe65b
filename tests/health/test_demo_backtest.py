"""On the demo company the default health model ranks the planted churners well (AUC >= 0.80).

The default model was calibrated on a demo built with seed 11; it is graded here on seed 7, on
2,000 accounts at three as-of dates a quarter apart, so one noisy date cannot pass or fail it alone.
"""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from statistics import mean

from sqlalchemy.orm import Session

from lodestar.demo import generate_demo
from lodestar.health.backtest import backtest_health
from lodestar.pipeline.daily import run_job
from lodestar.settings import load_settings
from tests.conftest import wipe

TODAY = date(2026, 1, 1)  # the demo's DEFAULT_TODAY
ACCOUNTS = 2000
SEED = 7  # the model was calibrated on seed 11: this is held-out data
DAYS_BACK = (365, 273, 182)  # every date keeps its whole 180-day horizon before TODAY


def test_the_default_model_ranks_the_demos_churners_with_auc_of_at_least_0_8(
    engine, db_url, tmp_path
) -> None:
    started = time.perf_counter()
    wipe(engine)
    data_dir = tmp_path / "demo"
    result = generate_demo(engine, data_dir, accounts=ACCOUNTS, seed=SEED, today=TODAY)
    settings = load_settings(data_dir=data_dir, database_url=db_url)
    dates = [TODAY - timedelta(days=d) for d in DAYS_BACK]
    run_job(engine, settings, dates)
    with Session(engine) as s:
        results = backtest_health(s, dates, 180, TODAY, keep=False)
    truth = json.loads(result.truth_path.read_text())
    planted = sum(a["churned"] for a in truth["accounts"])
    seconds = time.perf_counter() - started
    report = [
        f"{r.as_of}: AUC {r.auc:.3f} [{r.auc_low:.3f}, {r.auc_high:.3f}], lift {r.lift:.2f}, "
        f"{r.churned}/{r.accounts} churned"
        for r in results
        if r.auc is not None and r.auc_low is not None and r.auc_high is not None and r.lift is not None
    ]
    print(*report, f"mean AUC {mean(r.auc or 0 for r in results):.3f} in {seconds:.0f} s", sep="\n")
    assert planted > 0 and len(report) == len(DAYS_BACK), report
    assert all(r.churned >= 40 for r in results), report
    assert mean(r.auc or 0 for r in results) >= 0.80, report
    for r in results:
        assert (r.auc or 0) >= 0.77 and (r.auc_low or 0) > 0.70 and (r.lift or 0) > 2.5, report
    # The time is printed, not asserted: timing belongs to the benchmarks, and a loaded machine is slower.
