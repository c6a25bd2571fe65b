"""The backtest of health against churn: AUC and worst-decile lift with bootstrap CIs, per date and model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy.orm import Session

from lodestar.contracts import service as contracts_service
from lodestar.health import repository
from lodestar.health.models import Backtest, HealthHistory
from lodestar.kit.errors import InvalidInput
from lodestar.kit.progress import Progress, silent
from lodestar.kit.stats import auc, lift, percentile_interval, resamples

BOOTSTRAP = 1000
SEED = 20240607
NOT_CUSTOMERS = (None, "churned", "lead_pool")


@dataclass(frozen=True)
class Figures:
    """How well low health ranked the churners: AUC and worst-decile lift, each with a 95% interval."""

    accounts: int
    churned: int
    auc: float | None
    auc_low: float | None
    auc_high: float | None
    lift: float | None
    lift_low: float | None
    lift_high: float | None


def figures(score: np.ndarray, churned: np.ndarray, rounds: int = BOOTSTRAP, seed: int = SEED) -> Figures:
    """AUC and lift of a health score (low = risky) with percentile-bootstrap 95% intervals."""
    keep = ~np.isnan(score)
    risk, labels = -score[keep], churned[keep].astype(bool)
    aucs: list[float | None] = []
    lifts: list[float | None] = []
    for pick in resamples(len(risk), rounds, seed):
        aucs.append(auc(risk[pick], labels[pick]))
        lifts.append(lift(risk[pick], labels[pick]))
    return Figures(
        len(risk),
        int(labels.sum()),
        auc(risk, labels),
        *percentile_interval(aucs),
        lift(risk, labels),
        *percentile_interval(lifts),
    )


def _churned_within(churns: dict[int, list[date]], account: int, start: date, horizon: int) -> bool:
    end = start + timedelta(days=horizon)
    return any(start < day <= end for day in churns.get(account, []))


def backtest_health(
    session: Session,
    as_of_dates: Sequence[date] | None,
    horizon: int,
    today: date,
    keep: bool = True,
    progress: Progress = silent,
) -> list[Backtest]:
    """For each date T, how well health at T ranked the accounts that churned in (T, T + horizon].

    `progress` hears of each date done (the bootstrap makes a date take a while at scale).
    """
    if horizon < 1:
        raise InvalidInput.one("horizon", "must be at least 1 day")
    known = repository.history_dates(session)
    if as_of_dates:
        missing = sorted(set(as_of_dates) - set(known))
        if missing:
            raise InvalidInput.one(
                "as_of", f"no health history on {', '.join(map(str, missing))}; run the snapshot first"
            )
        days = sorted(set(as_of_dates))
    else:
        days = [d for d in known if d + timedelta(days=horizon) <= today]
        if not days:
            raise InvalidInput.one(
                "as_of", f"no snapshot date has its whole {horizon}-day horizon before {today}"
            )
    churns = contracts_service.churn_dates(session)
    rows = []
    progress(0, total=len(days))
    for day in days:
        by_version: dict[int, list[HealthHistory]] = {}
        for h in repository.history_on(session, day):
            if h.score is not None and h.stage not in NOT_CUSTOMERS:
                by_version.setdefault(h.model_version, []).append(h)
        for version, members in sorted(by_version.items()):
            score = np.array([h.score for h in members], dtype=float)
            labels = np.array([_churned_within(churns, h.account_id, day, horizon) for h in members])
            f = figures(score, labels)
            rows.append({"as_of": day, "horizon_days": horizon, "model_version": version, **vars(f)})
        progress(1, note=str(day))
    if keep:
        return repository.add_backtests(session, rows)
    return [Backtest(**row) for row in rows]
