"""The snapshot run of one or many dates (tiers, metrics, health, stage, store), recompute, export."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lodestar.accounts import config_kind as tiers_kind
from lodestar.accounts import service as accounts_service
from lodestar.accounts.tiers import assign_tiers
from lodestar.analytics import snapshot_store as store
from lodestar.analytics.engines.engine import AnalyticsEngine
from lodestar.analytics.inputs import MetricInputs
from lodestar.analytics.metrics.custom_spec import CustomMetric
from lodestar.analytics.metrics.table import compute_metrics, iter_metrics
from lodestar.analytics.rollups import update_rollups
from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.health import config_kind as health_kind
from lodestar.health import service as health_service
from lodestar.kit.errors import InvalidInput, NotFound
from lodestar.kit.spreadsheet import escape_formulas
from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.lifecycle import service as lifecycle_service
from lodestar.lifecycle.engine import TRANSITIONS_SCHEMA
from lodestar.snapshots import config_kind as metrics_kind
from lodestar.snapshots import repository
from lodestar.snapshots.health_and_stages import Models, contract_terms, score_and_stage, state_from_snapshot
from lodestar.snapshots.metric_inputs import load_inputs
from lodestar.snapshots.models import SnapshotRun

EXPORT_FORMATS = (".csv", ".parquet")


@dataclass
class RunOutcome:
    """What a run wrote, and the stage changes it found (the pipeline's SOP step starts from them)."""

    dates: list[date]
    accounts: int = 0
    rows: int = 0
    transitions: int = 0
    versions: dict[str, int] = field(default_factory=dict)
    stage_changes: list[dict[str, Any]] = field(default_factory=list)
    first_stage: str = ""


def dates_between(first: date, last: date, every_days: int) -> list[date]:
    """first, first + every, ... up to last, and last itself."""
    if last < first:
        raise InvalidInput.one("to", f"{last} is before --from {first}")
    if every_days < 1:
        raise InvalidInput.one("every", "must be at least 1 day")
    days = [first + timedelta(days=i) for i in range(0, (last - first).days + 1, every_days)]
    return days if days[-1] == last else [*days, last]


def _models(session: Any) -> Models:
    health, hv = health_kind.current(session)
    lifecycle, lv = lifecycle_kind.current(session)
    _, tv = tiers_kind.current(session)
    return Models(health, hv, lifecycle, lv, tv)


def _tiers(session: Any) -> pa.Table:
    """Assigns every account its tier (pinned wins) and stores the changes."""
    rules, _ = tiers_kind.current(session)
    profiles = accounts_service.tier_profiles(session)
    tiers = assign_tiers(
        pa.Table.from_pylist(profiles) if profiles else pa.table({"account_id": pa.array([], pa.int64())}),
        rules,
    )
    before = {p["account_id"]: p["tier"] for p in profiles}
    moved = [
        {"id": a, "tier": t}
        for a, t in zip(tiers["account_id"].to_pylist(), tiers["tier"].to_pylist(), strict=True)
        if before[a] != t
    ]
    accounts_service.set_snapshot_values(session, moved)
    return tiers


def _inputs(session: Any) -> tuple[MetricInputs, list[CustomMetric]]:
    rules, _ = tiers_kind.current(session)
    metrics_config, _ = metrics_kind.current(session)
    sla = {t.key: t.sla.first_response_hours for t in rules.tiers}
    return load_inputs(session, sla, metrics_config.key_features), list(metrics_config.custom)


def run_snapshots(
    session: Any,
    analytics: AnalyticsEngine,
    root: Path,
    as_of_dates: Sequence[date],
    events_dir: Path | None = None,
) -> RunOutcome:
    """Computes and stores the snapshot of every account on each date, in one pass over the data."""
    days = sorted(set(as_of_dates))
    if not days:
        raise InvalidInput.one("as_of", "give at least one date")
    models = _models(session)
    tiers = _tiers(session)
    inputs, custom = _inputs(session)
    if events_dir is not None:
        update_rollups(events_dir, analytics.rollup_dir)
        analytics.refresh()
    previous = store.latest_before(root, days[0])
    stored = store.read(root, previous) if previous else None
    state = state_from_snapshot(stored) if stored is not None else {}
    newest = max(store.dates(root), default=None)
    staging = root / f".run-{uuid.uuid4().hex[:12]}"
    health_service.record_history(session, days, [])

    def keep(day: date, table: pa.Table) -> None:
        """Stores one date's history and stages its Parquet file, so dates do not pile up in memory."""
        health_service.record_history(session, [], _history_rows(table))
        store.write(staging, day, table)

    rows, moved, last = 0, [], None
    try:
        # Metrics stream out one date at a time from one pass over the roll-ups: a backfill stays small.
        for metrics in iter_metrics(analytics, inputs, days, custom):
            computed = score_and_stage(metrics, tiers, models, contract_terms(inputs.contracts), state, keep)
            state, rows, last = computed.state, rows + metrics.num_rows, computed.last or last
            moved.append(computed.transitions)
        moves = pa.concat_tables(moved) if moved else TRANSITIONS_SCHEMA.empty_table()
        moves = moves.rename_columns(["account_id", "on", "from_stage", "to_stage", "reason"])
        entered = moves.to_pylist()
        lifecycle_service.record_stage_changes(session, days, entered)
        session.flush()
        if last is not None and (newest is None or days[-1] >= newest):
            _denormalise(session, days[-1], last[1])
        _publish(staging, root, days)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    versions = {
        "health": models.health_version,
        "lifecycle": models.lifecycle_version,
        "tiers": models.tiers_version,
    }
    return RunOutcome(
        days, tiers.num_rows, rows, moves.num_rows, versions, entered, models.lifecycle.stages[0].key
    )


def _publish(staging: Path, root: Path, days: Sequence[date]) -> None:
    """Moves the staged files of a finished run into the store (each move atomic)."""
    for day in days:
        staged = store.folder(staging, day) / store.FILE
        if staged.exists():
            store.folder(root, day).mkdir(parents=True, exist_ok=True)
            os.replace(staged, store.folder(root, day) / store.FILE)


def _history_rows(table: pa.Table) -> list[dict[str, Any]]:
    cols = ["account_id", "as_of", "score", "grade", "coverage", "model", "model_version", "stage"]
    return table.select(cols).to_pylist()


def _trend(series: list[tuple[date, float]], as_of: date, back: int, now: float | None) -> float | None:
    earlier = [score for day, score in series if day <= as_of - timedelta(days=back)]
    return None if now is None or not earlier else round(now - earlier[-1], 2)


def _denormalise(session: Any, as_of: date, table: pa.Table) -> None:
    """Copies the newest snapshot's health, trend and stage onto the accounts."""
    series: dict[int, list[tuple[date, float]]] = {}
    for h in sorted(
        health_service.history_between(session, as_of - timedelta(days=60), as_of), key=lambda h: h.as_of
    ):
        if h.score is not None:
            series.setdefault(h.account_id, []).append((h.as_of, h.score))
    since = lifecycle_service.last_change_dates(session, as_of)
    values = []
    cols = ["account_id", "score", "grade", "stage", "in_renewal_window"]
    for row in table.select(cols).to_pylist():
        account, score = row["account_id"], row["score"]
        values.append(
            {
                "id": account,
                "health_score": None if score is None else round(score, 2),
                "health_grade": row["grade"],
                "health_trend_7d": _trend(series.get(account, []), as_of, 7, score),
                "health_trend_30d": _trend(series.get(account, []), as_of, 30, score),
                "stage": row["stage"],
                "stage_since": since.get(account),
                "snapshot_as_of": as_of,
                "in_renewal_window": bool(row["in_renewal_window"]),
            }
        )
    accounts_service.set_snapshot_values(session, values)


def recompute_account(
    session: Any, analytics: AnalyticsEngine, root: Path, account_id: int, as_of: date
) -> dict[str, Any]:
    """Recomputes one account on a date; percentile peers come from the stored snapshot of that date."""
    models = _models(session)
    tiers = _tiers(session)
    inputs, custom = _inputs(session)
    analytics.refresh()
    fresh = compute_metrics(analytics, inputs.only(account_id), [as_of], custom)
    if fresh.num_rows == 0:
        raise NotFound(f"account {account_id} not found")
    stored = store.read(root, as_of)
    metrics = fresh
    if stored is not None:
        others = stored.select(fresh.column_names).filter(
            pc.not_equal(stored.column("account_id"), account_id)
        )
        metrics = pa.concat_tables([others, fresh.cast(others.schema)])
    previous = store.latest_before(root, as_of)
    before = store.read(root, previous) if previous else None
    state = state_from_snapshot(before) if before is not None else {}
    computed = score_and_stage(metrics, tiers, models, contract_terms(inputs.contracts), state)
    assert computed.last is not None  # the fresh row is among the metrics
    table = computed.last[1]
    mine = table.filter(pc.equal(table.column("account_id"), account_id))
    health_service.record_account_history(session, account_id, as_of, _history_rows(mine))
    if max(store.dates(root), default=as_of) <= as_of:
        _denormalise(session, as_of, mine)
    if stored is not None:
        store.write(root, as_of, table)
    return mine.drop_columns(["explanations"]).to_pylist()[0] | {
        "explanations": mine["explanations"].to_pylist()[0]
    }


def list_runs(session: Any, viewer: User, limit: int = 50) -> list[SnapshotRun]:
    """The newest snapshot runs (admins only)."""
    auth_service.require_admin(viewer)
    return repository.runs(session, limit)


def snapshot(root: Path, as_of: date) -> pa.Table:
    """One date's stored snapshot; NotFound when it was never computed."""
    table = store.read(root, as_of)
    if table is None:
        raise NotFound(f"no snapshot for {as_of}; run `lodestar run --as-of {as_of}` first")
    return table


def _export_table(session: Any, root: Path, as_of: date) -> pa.Table:
    """The stored snapshot with each account's CRM id beside its id, checked to hold every measured metric."""
    table = snapshot(root, as_of).drop_columns(["explanations"])
    health, _ = health_kind.current(session)
    measured = sorted({m.metric for model in health.models for m in model.measures})
    missing = [m for m in measured if m not in table.column_names]
    if missing:
        raise InvalidInput.one(
            "as_of",
            f"the {as_of} snapshot lacks {', '.join(missing)}, which the health model measures: "
            f"run `lodestar run --as-of {as_of}` again to compute them",
        )
    crm = accounts_service.crm_ids(session)
    known = pa.array(list(crm), pa.int64())
    at = pc.index_in(table.column("account_id"), value_set=known)
    return table.add_column(1, "crm_id", pc.take(pa.array(list(crm.values()), pa.string()), at))


def export_snapshot(session: Any, root: Path, as_of: date, out: Path) -> int:
    """Writes one row per account (CRM id, metrics, tier, score, grade, coverage, stage) as CSV or Parquet."""
    if out.suffix.lower() not in EXPORT_FORMATS:
        raise InvalidInput.one(
            "out", f"{out.name}: use a .csv or .parquet file name (got {out.suffix or 'no extension'!r})"
        )
    table = _export_table(session, root, as_of)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    if out.suffix.lower() == ".csv":
        import pyarrow.csv as pcsv

        pcsv.write_csv(escape_formulas(table), tmp)  # a CSV opens in Excel: no cell may run
    else:
        pq.write_table(table, tmp)
    tmp.replace(out)
    return table.num_rows


def done_on(session: Any, as_of: date) -> bool:
    """Whether a successful run already produced this date's snapshot."""
    return repository.succeeded_on(session, as_of)


def latest_account_values(
    root: Path, account_id: int, columns: Sequence[str]
) -> tuple[date, dict[str, Any]] | None:
    """An account's values of some columns in the newest stored snapshot (read with a filter)."""
    stored = store.dates(root)
    if not stored:
        return None
    as_of = stored[-1]
    path = store.folder(root, as_of) / store.FILE
    names = set(pq.read_schema(path).names)
    table = pq.read_table(
        path, columns=[c for c in columns if c in names], filters=[("account_id", "=", account_id)]
    )
    return as_of, (table.to_pylist()[0] if table.num_rows else {})
