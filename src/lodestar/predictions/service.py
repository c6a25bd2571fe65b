"""Predictions' entry point: evaluate a labelled table; train, store and score the churn model."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.analytics import snapshot_store
from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.kit.errors import InvalidInput
from lodestar.kit.text import N_, Text
from lodestar.predictions import account_features, history_rows, model_files, repository
from lodestar.predictions.modelling import feature_typing, label_values, refusals, table_files
from lodestar.predictions.models import ChurnModel, ChurnScore
from lodestar.predictions.schemas import (
    CandidateRead,
    ContractOutcomes,
    DroppedRead,
    FeatureRead,
    HistoryEvaluationRead,
    TableEvaluationRead,
    ValidationRead,
)

if TYPE_CHECKING:
    from lodestar.predictions.training import TimeSplitResult

# Training, evaluation and scoring load scikit-learn (seconds): they are imported by the functions that use
# them, so a daily run with no churn model, and every other command, starts without it.


def evaluate_table(
    path: Path, id_column: str, label_column: str, time_column: str | None = None, positive: str | None = None
) -> TableEvaluationRead:
    """Types a labelled table's columns, evaluates both candidate models out of sample and chooses one."""
    frame = table_files.read_table(path)
    refusals.known_columns(frame, {"--id": id_column, "--label": label_column, "--time": time_column})
    refusals.unique_ids(frame[id_column], id_column)
    label = label_values.parse_label(frame[label_column], label_column, positive)
    refusals.enough_rows(label, label_column)
    exclude = [c for c in (id_column, label_column, time_column) if c]
    plan = feature_typing.plan_features(frame, exclude)
    if not plan.columns:
        raise InvalidInput.one("table", Text("no column is left to learn from"))
    times = frame[time_column] if time_column else None
    # a date column is read as an age at the row's own time when rows carry one
    reference = None if times is None else pd.to_datetime(times, errors="coerce", format="mixed")
    features = feature_typing.apply_plan(plan, frame, reference)
    refusals.no_leaks(features, label)
    from lodestar.predictions.modelling.evaluation import evaluate_models

    found = evaluate_models(features, label, times, time_column or "--time")
    return TableEvaluationRead(
        rows=len(label),
        positives=int(label.sum()),
        features=[FeatureRead.model_validate(c) for c in plan.columns],
        dropped=[DroppedRead.model_validate(d) for d in plan.dropped],
        validation=ValidationRead.model_validate(found.validation),
        candidates=[CandidateRead.model_validate(c) for c in found.candidates],
        chosen=found.chosen,
        reason=found.reason,
    )


# --- the churn model trained on the company's history -------------------------------------------------

ACTIVE = N_("its AUC is above the health score's on the same accounts and dates")
NOT_BETTER = N_("not activated: its AUC is not above the health score's on the same accounts and dates")
CHANCE = N_("not activated: its AUC interval reaches 0.5, no better than chance")
REPLACED = N_("replaced by a newer model")
BACKGROUND_ROWS = 2000  # the rows the linear model's contributions are measured from (their mean)


def _activation(found: TimeSplitResult) -> tuple[bool, str]:
    chosen = next(c for c in found.candidates if c.model == found.chosen)
    if chosen.figures.auc.low is None or chosen.figures.auc.low <= 0.5:
        return False, CHANCE
    if found.model_auc is None or found.health_auc is None or found.model_auc <= found.health_auc:
        return False, NOT_BETTER
    return True, ACTIVE


def _account_table(session: Session) -> account_features.AccountTable:
    return account_features.account_table(
        accounts_service.attribute_rows(session), accounts_service.contact_rows(session)
    )


def history(
    session: Session, root: Path, outcomes: ContractOutcomes, as_of: date, horizon: int
) -> tuple[pd.DataFrame, np.ndarray, feature_typing.TypingPlan]:
    """The training rows at a cut-off with the account features (attributes, traits, the champion's
    departure), their labels, and the typing plan of the attributes (kept with the model)."""
    if not 1 <= horizon <= 730:
        raise InvalidInput.one("horizon", Text("must be between 1 and 730 days"))
    rows, label = history_rows.training_rows(root, as_of, horizon, outcomes)
    table = _account_table(session)
    plan = account_features.plan_attributes(table, taken=rows.columns)
    # a company that records no champion leaving learns nothing from it: no column
    champion = not table.departures.empty
    return account_features.with_account_features(rows, table, plan, champion), label, plan


def train_model(
    session: Session, root: Path, data_dir: Path, outcomes: ContractOutcomes, as_of: date, horizon: int
) -> ChurnModel:
    """Trains on the snapshots whose label window closed by `as_of`, chooses the model by a time split,
    fits it on every row, stores the file and the version; activates it only when it beats the health
    score on the same accounts and dates."""
    rows, label, plan = history(session, root, outcomes, as_of, horizon)
    from lodestar.predictions import training

    spec = training.feature_spec(rows)
    found = training.time_split_evaluation(rows, label, spec, horizon)
    model = training.fit_final(rows, label, spec, found.chosen)
    background = training.prepare(rows.sample(min(BACKGROUND_ROWS, len(rows)), random_state=0), spec)
    version = repository.next_version(session)
    bundle = {
        "model": model,
        "kind": found.chosen,
        "spec": spec,
        "background": background,
        "attributes": plan,
    }
    file, checksum = model_files.save(data_dir, version, bundle)
    active, reason = _activation(found)
    if active:
        repository.deactivate_all(session, REPLACED)
    first, last = training.window(rows)
    return repository.add_model(session, ChurnModel(
        version=version, as_of=as_of, horizon_days=horizon, first_date=first, last_date=last,
        kind=found.chosen, calibration=found.candidates[0].calibration, features=spec.names(),
        metrics={**found.as_json(), "rows": len(label), "positives": int(label.sum())},
        libraries=model_files.library_versions(), model_auc=found.model_auc, health_auc=found.health_auc,
        active=active, reason=reason, file=file, checksum=checksum,
    ))  # fmt: skip


def evaluate_history(
    session: Session, root: Path, outcomes: ContractOutcomes, as_of: date, horizon: int
) -> HistoryEvaluationRead:
    """Backtests at several cut-offs and a k-fold grouped by account on the training rows at `as_of`, each
    beside the health score's AUC on the same accounts and dates; stores nothing."""
    rows, label, _plan = history(session, root, outcomes, as_of, horizon)
    return history_evaluation_of(rows, label, as_of, horizon)


def history_evaluation_of(
    rows: pd.DataFrame, label: np.ndarray, as_of: date, horizon: int
) -> HistoryEvaluationRead:
    """The history evaluation of these training rows (see evaluate_history)."""
    if rows.empty:
        raise InvalidInput.one("as_of", Text("no snapshot date has its whole horizon closed by the cut-off"))
    from lodestar.predictions import history_evaluation, training

    spec = training.feature_spec(rows)
    found = history_evaluation.evaluate_history(rows, label, spec, horizon)
    first, last = training.window(rows)
    return HistoryEvaluationRead.model_validate({
        "as_of": as_of.isoformat(), "horizon_days": horizon, "first_date": first.isoformat(),
        "last_date": last.isoformat(), "rows": len(label), "positives": int(label.sum()),
        "features": spec.names(), "backtests": [vars(c) for c in found.backtests],
        "skipped": [vars(s) for s in found.skipped], "k_fold": vars(found.k_fold),
    })  # fmt: skip


def _write_accounts(session: Session, every: np.ndarray, ids: np.ndarray, likelihood: np.ndarray) -> None:
    """The portfolio's copy: each scored account's likelihood, none for the snapshot's other accounts."""
    values = pd.Series(np.nan, index=every)
    values[ids] = likelihood
    accounts_service.write_snapshot_values(
        session, pa.table({"id": every, "churn_likelihood": pa.array(values.to_numpy(), from_pandas=True)})
    )


def score_date(session: Session, root: Path, data_dir: Path, as_of: date) -> int:
    """Scores every customer of the date's snapshot with the active model; how many were scored."""
    active = repository.active_model(session)
    if active is None:
        raise InvalidInput.one("model", Text("no churn model is active: train one first"))
    table = snapshot_store.read(root, as_of)
    if table is None:
        raise InvalidInput.one(
            "as_of", Text("no snapshot on %(day)s: run the snapshot first", day=str(as_of))
        )
    bundle = model_files.load(data_dir, active.file, active.checksum)
    frame = history_rows.feature_frame(history_rows.plain_frame(table)).assign(as_of=pd.Timestamp(as_of))
    if bundle.get("attributes") is not None:  # models trained before account features read none
        champion = account_features.CHAMPION_LEFT_DAYS in bundle["spec"].names()
        frame = account_features.with_account_features(
            frame, _account_table(session), bundle["attributes"], champion
        )
    from lodestar.predictions import scoring

    likelihood, features = scoring.score(bundle, frame)
    factors = scoring.top_factors(bundle, features)
    ids = frame["account_id"].to_numpy()
    _write_accounts(session, table.column("account_id").to_numpy(), ids, likelihood)
    repository.replace_scores(session, as_of, [
        {"account_id": int(a), "as_of": as_of, "model_version": active.version, "likelihood": float(p),
         "factors": f}
        for a, p, f in zip(ids, likelihood, factors, strict=True)
    ])  # fmt: skip
    return len(ids)


def score_if_active(session: Session, root: Path, data_dir: Path, as_of: date) -> int:
    """The daily step: scores the date when a model is active and the date has a snapshot; else nothing."""
    if repository.active_model(session) is None or snapshot_store.read(root, as_of, ["account_id"]) is None:
        return 0
    return score_date(session, root, data_dir, as_of)


def models(session: Session) -> list[ChurnModel]:
    """Every stored version, newest first."""
    return repository.models(session)


def model_versions(session: Session, viewer: User) -> list[ChurnModel]:
    """Every stored version, newest first, for the model versions page (admins only: the figures are
    computed over every account)."""
    auth_service.require_admin(viewer)
    return repository.models(session)


def scores_for(session: Session, viewer: User, account_ids: Collection[int] | None = None,
               as_of: date | None = None) -> dict[int, ChurnScore]:  # fmt: skip
    """The latest scores (on or before `as_of`) of the accounts the viewer may see, by account."""
    day = repository.latest_date(session, as_of)
    if day is None:
        return {}
    owners = auth_service.scope_for(session, viewer).owner_ids
    return {s.account_id: s for s in repository.scores_on(session, day, account_ids, owners)}


def likelihoods_on(session: Session, as_of: date) -> dict[int, float]:
    """Every account's churn likelihood scored on the date (for the pipeline: no viewer, no scope)."""
    return {s.account_id: s.likelihood for s in repository.scores_on(session, as_of, None, None)}


def active_version(session: Session) -> int | None:
    """The active churn model's version, None when none is active."""
    active = repository.active_model(session)
    return None if active is None else active.version
