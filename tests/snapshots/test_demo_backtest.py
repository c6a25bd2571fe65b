"""On the demo company the default health model ranks the planted churners well (AUC >= 0.80)."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

from sqlalchemy.orm import Session

from lodestar.demo import generate_demo
from lodestar.settings import load_settings
from lodestar.snapshots import service
from lodestar.snapshots.tasks import run_job
from tests.conftest import wipe

TODAY = date(2026, 1, 1)  # the demo's DEFAULT_TODAY


def test_the_default_model_ranks_the_demos_churners_with_auc_of_at_least_0_8(
    engine, db_url, tmp_path
) -> None:
    started = time.perf_counter()
    wipe(engine)
    data_dir = tmp_path / "demo"
    result = generate_demo(engine, data_dir, accounts=800, seed=7, today=TODAY)
    settings = load_settings(data_dir=data_dir, database_url=db_url)
    dates = [TODAY - timedelta(days=d) for d in (365, 182)]
    run_job(engine, settings, dates)
    with Session(engine) as s:
        results = service.backtest_health(s, dates, 180, TODAY, keep=False)
    truth = json.loads(result.truth_path.read_text())
    planted = sum(a["churned"] for a in truth["accounts"])
    assert planted > 0 and len(results) == 2
    for r in results:
        assert r.churned >= 20, r.as_of
        assert r.auc >= 0.80, (r.as_of, r.auc)
        assert r.auc_low > 0.7 and r.lift > 2
    assert time.perf_counter() - started < 120
