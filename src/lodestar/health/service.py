"""Health behaviour: the account's health card and history, the health-model editor and its preview, and
the backtest records."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.analytics import snapshot_store as store
from lodestar.auth.models import Role, User
from lodestar.config import service as config_service
from lodestar.contracts import service as contracts_service
from lodestar.health import config_kind as health_kind
from lodestar.health import repository
from lodestar.health.backtest import figures
from lodestar.health.explain import diff, labelled
from lodestar.health.models import Backtest, HealthHistory
from lodestar.health.schemas import HealthConfig, Scoring
from lodestar.health.scoring import measure_scores, metric_floats, score_all
from lodestar.kit.errors import InvalidInput, PermissionDenied

GRADES = ("green", "yellow", "red", None)
PREVIEW_DATES = 6  # past snapshot dates the preview backtest pools, newest first
PREVIEW_ROUNDS = 200  # bootstrap rounds for the preview's intervals (the stored backtests use more)


def metric_values(table: pa.Table, column: str) -> np.ndarray:
    """A snapshot's metric column as float64 with NaN for null (flags as 0/1; an absent column is all NaN)."""
    return metric_floats(table, column)


def threshold_scores(values: np.ndarray, scoring: Scoring) -> np.ndarray:
    """0-100 score of each raw value by a measure's thresholds (NaN stays NaN), for other domains that score
    metrics the way health measures do (maturity levels)."""
    assert scoring.method == "thresholds", "peer percentiles need the whole table: score_all ranks them"
    return measure_scores(values, scoring, values[:0].astype(np.int64))


@dataclass
class HealthCard:
    """An account's latest health with its explanation, what moved since the snapshot before, and tier."""

    as_of: date
    score: float | None
    grade: str | None
    coverage: float
    co_score: float | None
    cx_score: float | None
    model: str
    model_version: int
    trend_7d: float | None
    trend_30d: float | None
    explanations: list[dict[str, Any]]
    moved: list[str]
    previous_as_of: date | None


@dataclass
class Side:
    """One health configuration judged on stored snapshots: grade counts and backtest figures."""

    grades: dict[str | None, int] = field(default_factory=dict)
    accounts: int = 0
    churned: int = 0
    auc: float | None = None
    auc_low: float | None = None
    auc_high: float | None = None
    lift: float | None = None
    lift_low: float | None = None
    lift_high: float | None = None


@dataclass
class Preview:
    """The active health configuration against a proposed one, before saving."""

    as_of: date | None
    dates: list[date]
    horizon_days: int
    now: Side
    proposed: Side


CARD_COLUMNS = ["score", "grade", "model", "model_version", "co_score", "cx_score", "explanations"]


def _row(root: Path, as_of: date, account_id: int) -> dict[str, Any] | None:
    """The card's columns of one account's stored row: a point read of the row group that holds it."""
    return store.read_account(root, as_of, account_id, CARD_COLUMNS)


def health_card(session: Session, root: Path, account: Account) -> HealthCard | None:
    """The account's newest health and its explanation; None before its first snapshot."""
    history = repository.history_of(session, account.id)
    if not history:
        return None
    latest = history[-1]
    row = _row(root, latest.as_of, account.id) or {}
    previous = history[-2] if len(history) > 1 else None
    before = _row(root, previous.as_of, account.id) if previous else None
    explanations: list[dict[str, Any]] = row.get("explanations") or []
    current = {
        "score": latest.score,
        "grade": latest.grade,
        "model": latest.model,
        "model_version": latest.model_version,
        "explanations": explanations,
    }
    return HealthCard(
        as_of=latest.as_of,
        score=latest.score,
        grade=latest.grade,
        coverage=latest.coverage,
        co_score=row.get("co_score"),
        cx_score=row.get("cx_score"),
        model=latest.model,
        model_version=latest.model_version,
        trend_7d=account.health_trend_7d,
        trend_30d=account.health_trend_30d,
        explanations=labelled(explanations),
        moved=diff(before, current) if before else [],
        previous_as_of=previous.as_of if previous else None,
    )


def history(session: Session, account_id: int) -> list[HealthHistory]:
    """An account's health on every snapshot date, oldest first."""
    return repository.history_of(session, account_id)


def history_between(session: Session, first: date, last: date) -> list[HealthHistory]:
    """Every account's health history in [first, last]."""
    return repository.history_between(session, first, last)


def record_history(session: Session, days: Sequence[date], rows: list[dict[str, Any]]) -> None:
    """Replaces the health history of these dates with these rows."""
    repository.replace_history(session, days, rows)


def write_history(session: Session, as_of: date, rows: pa.Table) -> int:
    """Makes one date's health history equal these rows, rewriting none that are already equal; rows written.

    rows: account_id, as_of, score, grade, coverage, model, model_version, stage (extra columns are ignored).
    """
    return repository.sync_history(session, as_of, rows)


def scores_back(
    session: Session, as_of: date, back_days: int, window_days: int = 60, account_id: int | None = None
) -> pa.Table:
    """Each account scored on as_of (or just this one) with its latest score at least back_days earlier, and
    at most window_days: account_id, score (null where none)."""
    first, last = as_of - timedelta(days=window_days), as_of - timedelta(days=back_days)
    return repository.scores_before(session, as_of, first, last, account_id)


def record_account_history(
    session: Session, account_id: int, as_of: date, rows: list[dict[str, Any]]
) -> None:
    """Replaces one account's health on one date with these rows."""
    repository.replace_account_history(session, account_id, as_of, rows)


def record_accounts_history(
    session: Session, account_ids: Collection[int], as_of: date, rows: list[dict[str, Any]]
) -> None:
    """Replaces these accounts' health on one date with these rows (a recompute of a few accounts)."""
    repository.replace_accounts_history(session, account_ids, as_of, rows)


def accounts_history_between(
    session: Session, account_ids: Collection[int], first: date, last: date
) -> list[HealthHistory]:
    """These accounts' health history in [first, last], oldest first."""
    return repository.history_of_accounts(session, account_ids, first, last)


def history_series(session: Session, account_id: int) -> dict[str, list[Any]]:
    """The trend chart's data: dates, scores (None where unscored) and grades, oldest first."""
    rows = repository.history_of(session, account_id)
    return {
        "dates": [h.as_of.isoformat() for h in rows],
        "scores": [None if h.score is None else round(h.score, 1) for h in rows],
        "grades": [h.grade for h in rows],
    }


def require_model_editor(viewer: User) -> None:
    """Refuses anyone but admins and managers."""
    if viewer.role not in (Role.ADMIN, Role.MANAGER):
        raise PermissionDenied("only admins and managers can change the health model")


def backtests_by_date(session: Session, viewer: User, limit: int = 200) -> list[Backtest]:
    """Stored backtests, oldest date first (admins and managers)."""
    require_model_editor(viewer)
    return sorted(repository.backtests(session, limit), key=lambda b: (b.as_of, b.model_version, b.id))


def backtests(session: Session, limit: int = 50) -> list[Backtest]:
    """The newest stored backtest results first."""
    return repository.backtests(session, limit)


def _metrics(root: Path, as_of: date) -> pa.Table | None:
    """A stored snapshot without its explanations (the preview re-scores the metrics)."""
    names = [n for n in store.column_names(root, as_of) if n != "explanations"]
    return store.read(root, as_of, names) if names else None


def _customers(table: pa.Table) -> pa.Table:
    """Rows of accounts that are customers on that date (not prospects, churned or in the lead pool)."""
    stage = table.column("stage")
    lost = pc.is_in(stage, pa.array(["churned", "lead_pool"], pa.string()))
    return table.filter(pc.and_(pc.is_valid(stage), pc.invert(lost)))


def _scores(table: pa.Table, config: HealthConfig, version: int) -> pa.Table:
    """Re-scores a stored snapshot's metrics with a configuration (tiers and stages as stored)."""
    return score_all(table, config, None, table.column("stage"), version, explain=False)


def _grade_counts(scored: pa.Table) -> dict[str | None, int]:
    counts = {g: 0 for g in GRADES}
    for item in pc.value_counts(scored.column("grade")).to_pylist():
        counts[item["values"]] = item["counts"]
    return counts


def _labels(table: pa.Table, churns: dict[int, list[date]], day: date, horizon: int) -> np.ndarray:
    end = day + timedelta(days=horizon)
    ids = table.column("account_id").to_pylist()
    return np.array([any(day < d <= end for d in churns.get(a, [])) for a in ids], dtype=bool)


def _backtest_dates(root: Path, today: date, horizon: int) -> list[date]:
    """The newest stored dates whose whole horizon lies before today."""
    ready = [d for d in store.dates(root) if d + timedelta(days=horizon) <= today]
    return ready[-PREVIEW_DATES:]


def preview(session: Session, root: Path, proposed: HealthConfig, today: date, horizon: int = 180) -> Preview:
    """Grade counts on the newest snapshot and pooled backtest figures, active vs proposed model."""
    active, version = health_kind.current(session)
    stored = store.dates(root)
    now, new = Side(), Side()
    if stored:
        latest = _metrics(root, stored[-1])
        assert latest is not None
        now.grades = _grade_counts(_scores(latest, active, version))
        new.grades = _grade_counts(_scores(latest, proposed, version + 1))
    days = _backtest_dates(root, today, horizon)
    churns = contracts_service.churn_dates(session)
    pooled: dict[str, list[np.ndarray]] = {"now": [], "new": [], "labels": []}
    for day in days:
        table = _metrics(root, day)
        if table is None:
            continue
        table = _customers(table)
        pooled["labels"].append(_labels(table, churns, day, horizon))
        for key, config in (("now", active), ("new", proposed)):
            scored = _scores(table, config, version)
            pooled[key].append(scored.column("score").to_numpy(zero_copy_only=False).astype(float))
    if pooled["labels"]:
        labels = np.concatenate(pooled["labels"])
        for side, key in ((now, "now"), (new, "new")):
            found = figures(np.concatenate(pooled[key]), labels, rounds=PREVIEW_ROUNDS)
            for name, value in vars(found).items():
                setattr(side, name, value)
    return Preview(stored[-1] if stored else None, days, horizon, now, new)


def can_edit_model(viewer: User) -> bool:
    """Whether the viewer may open the health model editor."""
    return viewer.role in (Role.ADMIN, Role.MANAGER)


def author_of(viewer: User) -> str:
    """How a saved version names its author."""
    return viewer.email


def health_yaml(session: Session) -> str:
    """The active health configuration as the editor shows it."""
    config, _ = health_kind.current(session)
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def parse_health(session: Session, text: str) -> HealthConfig:
    """A proposed health configuration from YAML, checked against the other active kinds."""
    data = config_service.load_yaml(text, "health")
    if not isinstance(data, dict):
        raise InvalidInput.one("health", "must be a mapping with a list of models")
    whole = config_service.document(session).model_dump(mode="json") | {"health": data}
    return config_service.parse_document(whole).health


def save_health(session: Session, viewer: User, text: str) -> int | None:
    """Stores a proposed health configuration as a new version; None when nothing changed."""
    require_model_editor(viewer)
    proposed = parse_health(session, text)
    return config_service.save(session, "health", proposed.model_dump(mode="json"), author_of(viewer))
