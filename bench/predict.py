"""The churn model at scale (BENCH=predict): a year of weekly snapshots of BENCH_PREDICT_ACCOUNTS accounts
(default 100,000) with the snapshot's metric columns and a planted churn signal; training (history rows,
time-split choice of the model, calibrated final fit, the model file), scoring every account, risk
factors for every account (with the chosen model, then with the other kind fitted the same way), and the
peak memory of the process — each beside its goal (issue 15)."""

from __future__ import annotations

import os
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from lodestar import tables
from lodestar.analytics import snapshot_store
from lodestar.predictions import history_rows, model_files, repository, scoring, service, training
from lodestar.predictions.modelling.candidates import LOGISTIC, TREES
from lodestar.predictions.schemas import ContractOutcomes

WEEKS = 52
HORIZON = 180
FIRST = date(2025, 1, 6)
GOALS = {"train": 60.0, "score": 2.0, "factors": 5.0, "rss_gib": 2.0}


def _snapshot(
    rng: np.random.Generator, ids: np.ndarray, value: np.ndarray, due: np.ndarray, day: date
) -> pa.Table:
    n = len(ids)
    days_left = (due - np.datetime64(day, "D")).astype(int)
    decline = np.where((days_left < 120) & (value < 0.3), 0.5, 1.0)  # churners' usage falls before the end
    seats = rng.integers(5, 200, n)
    active = np.minimum(seats, (seats * value * decline * rng.uniform(0.8, 1.2, n)).astype(int))
    nps = np.where(rng.random(n) < 0.4, np.nan, rng.integers(0, 11, n))
    columns = {
        "account_id": ids,
        "events_30d": active * rng.integers(5, 40, n),
        "active_users_30d": active,
        "seats": seats,
        "active_user_ratio_30d": active / seats,
        "usage_trend_30d": decline - 1 + rng.normal(0, 0.1, n),
        "key_features_used_30d": rng.integers(0, 8, n),
        "days_since_last_activity": rng.integers(0, 60, n),
        "tickets_open": rng.poisson(2, n),
        "nps_latest": nps,
        "days_since_last_touch": rng.integers(0, 90, n),
        "arr": seats * 1000.0,
        "days_to_end": days_left % 365,
        "champion_present": rng.random(n) < 0.8,
        "score": 100 * (0.5 * value + 0.5 * rng.random(n)),
        "stage": np.where(value > 0.5, "adoption", "onboarding"),
        "tier": rng.choice(["KA", "MM", "SMB"], n),
    }
    return pa.table(columns)


def _history(root: Path, n: int) -> ContractOutcomes:
    rng = np.random.default_rng(5)
    ids = np.arange(1, n + 1)
    value = rng.beta(2, 2, n)
    due = np.datetime64(FIRST, "D") + rng.integers(1, 365, n).astype("timedelta64[D]")
    for week in range(WEEKS):
        day = FIRST + timedelta(days=7 * week)
        due_now = np.where(due <= np.datetime64(day, "D"), due + np.timedelta64(365, "D"), due)
        snapshot_store.write(root, day, _snapshot(rng, ids, value, due_now, day))
    dues = np.concatenate([due, due + np.timedelta64(365, "D")])
    renewed = rng.random(2 * n) > 1 / (1 + np.exp(-(1.5 - 8 * np.tile(value, 2))))
    return ContractOutcomes(np.tile(ids, 2), dues, renewed, 0)


def _rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main(accounts: int | None = None) -> list[str]:
    n = accounts or int(os.environ.get("BENCH_PREDICT_ACCOUNTS", "100000"))
    with tempfile.TemporaryDirectory() as tmp:
        root, data = Path(tmp) / "snapshots", Path(tmp) / "data"
        outcomes = _history(root, n)
        engine = create_engine(f"sqlite:///{tmp}/bench.db")
        tables.metadata.create_all(engine)
        cutoff = FIRST + timedelta(days=7 * (WEEKS - 1) + HORIZON)
        with Session(engine) as session:
            started = time.perf_counter()
            rows, label = history_rows.training_rows(root, cutoff, HORIZON, outcomes)  # timed alone
            read_s = time.perf_counter() - started
            # kept for fitting the other kind below: the sample its final fit would draw, not every row
            kept = training.at_most(np.ones(len(label), dtype=bool), training.MOST_FIT_ROWS)
            rows, label = rows[kept], label[kept]
            started, cpu = time.perf_counter(), time.process_time()
            model = service.train_model(session, root, data, outcomes, cutoff, HORIZON)
            train_s, train_cpu = time.perf_counter() - started, time.process_time() - cpu
            day = FIRST + timedelta(days=7 * (WEEKS - 1))
            bundle = model_files.load(data, model.file, model.checksum)
            frame = history_rows.feature_frame(history_rows.plain_frame(snapshot_store.read(root, day)))
            started = time.perf_counter()
            _, features = scoring.score(bundle, frame)
            score_s = time.perf_counter() - started
            started, cpu = time.perf_counter(), time.process_time()
            scoring.top_factors(bundle, features)
            factors_s, factors_cpu = time.perf_counter() - started, time.process_time() - cpu
            # the other kind's factors too: the trees' SHAP values cost far more than the linear ones
            other = TREES if model.kind == LOGISTIC else LOGISTIC
            spec = training.feature_spec(rows)
            fitted = training.fit_final(rows, label, spec, other)
            background = training.prepare(rows.sample(service.BACKGROUND_ROWS, random_state=0), spec)
            del rows, label
            bundle = {"model": fitted, "kind": other, "spec": spec, "background": background}
            _, features = scoring.score(bundle, frame)
            started, cpu = time.perf_counter(), time.process_time()
            scoring.top_factors(bundle, features)
            other_s, other_cpu = time.perf_counter() - started, time.process_time() - cpu
            repository.deactivate_all(session, "bench")
    m = model.metrics
    lines = [
        f"predict bench: {n:,} accounts x {WEEKS} weekly snapshots, {m['rows']:,} training rows "
        f"({m['train_rows']:,} before the split, {m['test_rows']:,} after); chose {model.kind}, "
        f"time-split AUC {model.model_auc:.3f} vs health {model.health_auc:.3f}",
        f"  train   {train_s:7.1f} s   goal <= {GOALS['train']:.0f} s  (of which reading the history"
        f" {read_s:.1f} s; CPU {train_cpu:.1f} s)",
        f"  score   {score_s:7.2f} s   goal <= {GOALS['score']:.0f} s  ({len(frame):,} accounts)",
        f"  factors {factors_s:7.2f} s   goal <= {GOALS['factors']:.0f} s  ({model.kind}, CPU"
        f" {factors_cpu:.2f} s; {other}: {other_s:.2f} s, CPU {other_cpu:.2f} s)",
        f"  peak RSS {_rss_gib():6.2f} GiB goal <= {GOALS['rss_gib']:.0f} GiB (the whole process)",
    ]
    for line in lines:
        print(line, flush=True)
    return lines


if __name__ == "__main__":
    main()
