"""Purchase-intent stars on hand-made data: cut-offs whose groups rise, rows that read nothing from after
their date, and a planted signal the model finds while the recency-frequency baseline cannot."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from lodestar.analytics import snapshot_store
from lodestar.intent import cutoffs, model
from lodestar.intent.rows import rows_at, stacked
from lodestar.intent.targets import Occurrences, day_number

START = date(2025, 1, 7)


def test_cut_offs_give_groups_whose_rates_rise_and_more_stars_for_higher_scores() -> None:
    rng = np.random.default_rng(3)
    score = rng.uniform(size=6000)
    hit = rng.uniform(size=6000) < np.where(score < 0.5, 0.02, np.where(score < 0.8, 0.12, 0.45))
    low, high = cutoffs.choose(score, hit)
    assert low < high
    stars = cutoffs.stars_of(score, (low, high))
    order = np.argsort(score)
    assert (np.diff(stars[order]) >= 0).all()  # never fewer stars for a higher score
    rates = [hit[stars == k].mean() for k in (1, 2, 3)]
    assert rates[0] < rates[1] < rates[2]
    assert min((stars == k).mean() for k in (1, 2, 3)) >= cutoffs.MIN_SHARE
    # the cuts sit at or above the planted steps (0.5 and 0.8), where the rates change, not at thirds
    assert np.mean(score < low) >= 0.45 and np.mean(score < high) >= 0.75


def test_the_wilson_interval_matches_the_formula() -> None:
    low, high = cutoffs.wilson(12, 80)
    z, p, n = 1.959963984540054, 12 / 80, 80
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert low == pytest.approx(centre - half, abs=1e-9) and high == pytest.approx(centre + half, abs=1e-9)
    assert cutoffs.wilson(0, 0) == (None, None)


def _write(
    root: Path, day: date, usage: np.ndarray, stages: list[str] | None = None, ratio: np.ndarray | None = None
) -> None:
    n = len(usage)
    snapshot_store.write(
        root,
        day,
        pa.table(
            {
                "account_id": np.arange(1, n + 1),
                "events_30d": usage,
                "days_since_last_activity": np.full(n, 3.0),
                "active_user_ratio_30d": np.full(n, 0.5) if ratio is None else ratio,
                "stage": stages or ["adoption"] * n,
            }
        ),
    )


def test_a_rows_features_and_label_read_nothing_from_after_their_window(tmp_path: Path) -> None:
    days = [START + timedelta(days=7 * w) for w in range(20)]
    for day in days:
        _write(tmp_path, day, np.array([10.0, 20.0, 30.0]), ["adoption", "adoption", "churned"])
    occ = Occurrences.of(np.array([1, 2, 2]), np.array([day_number(days[2]), day_number(days[5]), 99_999]))
    found = rows_at(tmp_path, days[14], days, occ, 180, 30)
    assert found is not None and found.hit is not None
    assert found.account_id.tolist() == [1, 2]  # the churned account is no customer to predict for
    assert found.features["target_days_since"].tolist() == [84.0, 63.0]
    assert found.features["target_count_history"].tolist() == [1, 1]
    assert found.features["events_30d_change_84d"].tolist() == [0.0, 0.0]
    assert found.hit.tolist() == [False, False]

    later = days[14] + timedelta(days=31)  # outside the 30-day horizon: changes nothing
    _write(tmp_path, days[14] + timedelta(days=1), np.array([1e6, 1e6, 1e6]))
    more = Occurrences.of(np.append(occ.account_id, 1), np.append(occ.day, day_number(later)))
    again = rows_at(tmp_path, days[14], snapshot_store.dates(tmp_path), more, 180, 30)
    assert again is not None and again.hit is not None
    assert again.features.equals(found.features) and again.hit.tolist() == [False, False]
    inside = Occurrences.of(np.append(occ.account_id, 1), np.append(occ.day, day_number(days[14]) + 30))
    hit_now = rows_at(tmp_path, days[14], days, inside, 180, 30)
    assert hit_now is not None and hit_now.hit is not None and hit_now.hit.tolist() == [True, False]


def planted(tmp_path: Path, accounts: int = 600, weeks: int = 40) -> tuple[list[date], Occurrences]:
    """A quarter at a time some accounts are "in the market": their active-user ratio rises and they hit the
    target often that quarter. Which accounts are is drawn afresh each quarter, apart from usage volume, so
    the target's own recency and frequency and the events count (the baseline's inputs) carry little."""
    rng = np.random.default_rng(11)
    days = [START + timedelta(days=7 * w) for w in range(weeks)]
    hot = rng.uniform(size=(weeks // 13 + 2, accounts)) < 0.2
    ids: list[int] = []
    hits: list[int] = []
    for w, day in enumerate(days):
        now = hot[w // 13]
        ratio = np.clip(np.where(now, 0.7, 0.35) + rng.normal(0, 0.12, size=accounts), 0, 1)
        _write(tmp_path, day, rng.gamma(2.0, 20.0, size=accounts), ratio=ratio)
        fired = rng.uniform(size=accounts) < np.where(now, 0.04, 0.002)
        ids += list(np.flatnonzero(fired) + 1)
        hits += [day_number(day) + 3] * int(fired.sum())
    return days, Occurrences.of(np.array(ids), np.array(hits))


def test_the_model_finds_a_planted_signal_and_its_stars_rise_out_of_time(tmp_path: Path) -> None:
    days, occ = planted(tmp_path)
    horizon, test_day = 91, days[26]
    train_days = [d for d in days if d + timedelta(days=horizon) <= test_day]
    training = stacked([r for d in train_days if (r := rows_at(tmp_path, d, days, occ, 180, horizon))])
    test = rows_at(tmp_path, test_day, days, occ, 180, horizon)
    assert test is not None and test.hit is not None
    fitted = model.fit(training)
    found = model.ranking(fitted.score(test.features), test.hit, fitted.cutoffs)
    baseline = model.ranking(model.baseline_score(test.features), test.hit, model.baseline_cutoffs(training))
    assert found.rising
    rates = [g.rate for g in found.groups]
    assert rates[0] is not None and rates[2] is not None and rates[2] > 3 * rates[0]
    assert found.auc.value is not None and found.auc.low is not None and found.auc.low > 0.6
    assert baseline.auc.value is not None and found.auc.value > baseline.auc.value
    assert sum(g.accounts for g in found.groups) == len(test.hit)
    assert sum(g.hits for g in found.groups) == int(test.hit.sum())
