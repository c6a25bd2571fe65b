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
from lodestar.analytics.metrics.table import iter_metrics
from lodestar.analytics.rollups import update_rollups
from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.health import config_kind as health_kind
from lodestar.kit.errors import InvalidInput, NotFound
from lodestar.kit.phases import PhaseClock
from lodestar.kit.progress import Progress, silent
from lodestar.kit.spreadsheet import escape_formulas
from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.lifecycle.engine import TRANSITIONS_SCHEMA
from lodestar.snapshots import config_kind as metrics_kind
from lodestar.snapshots import recompute, repository, write_back
from lodestar.snapshots.health_and_stages import Models, contract_terms, score_and_stage, state_from_snapshot
from lodestar.snapshots.metric_inputs import load_inputs
from lodestar.snapshots.models import SnapshotRun

EXPORT_FORMATS = (".csv", ".parquet")


@dataclass
class RunOutcome:
    """What a run wrote, and the stage changes it found (the pipeline's SOP step starts from them).

    transitions counts the stage changes newly recorded (none on a rerun); stage_changes lists every one
    found on the run's dates, recorded before or not (the SOP step starts each playbook once per change).
    """

    dates: list[date]
    accounts: int = 0
    rows: int = 0
    transitions: int = 0
    versions: dict[str, int] = field(default_factory=dict)
    stage_changes: list[dict[str, Any]] = field(default_factory=list)
    first_stage: str = ""
    phases: list[dict[str, Any]] = field(default_factory=list)
    fingerprint: str | None = None  # what its inputs were (snapshots.fingerprint), set by the pipeline


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


def _tiers(session: Any, clock: PhaseClock | None = None) -> pa.Table:
    """Assigns every account its tier (pinned wins) and stores the ones that changed."""
    rules, _ = tiers_kind.current(session)
    profile = accounts_service.tier_profile_columns(session)
    tiers = assign_tiers(profile, rules)
    changed = write_back.tiers(session, tiers, profile.column("tier"))
    if clock is not None:
        clock.count("tiers", changed)
    return tiers


def _inputs(session: Any) -> tuple[MetricInputs, list[CustomMetric]]:
    rules, _ = tiers_kind.current(session)
    metrics_config, _ = metrics_kind.current(session)
    sla = {t.key: t.sla.first_response_hours for t in rules.tiers}
    return load_inputs(session, sla, metrics_config.key_features), list(metrics_config.custom)


@dataclass
class _Computed:
    """What the dates' pass produced: rows scored, every stage change found, the newest date's rows."""

    rows: int
    moves: pa.Table
    last: tuple[date, pa.Table] | None


def run_snapshots(
    session: Any,
    analytics: AnalyticsEngine,
    root: Path,
    as_of_dates: Sequence[date],
    events_dir: Path | None = None,
    clock: PhaseClock | None = None,
    progress: Progress = silent,
) -> RunOutcome:
    """Computes and stores the snapshot of every account on each date, in one pass over the data.

    Only what changed is written: a rerun of a date with the same data and models writes no row and reports
    no stage change. `clock` (given by the pipeline) times each phase; `progress` hears of each date stored
    (the total is the number of dates) and of the roll-up update.
    """
    days = sorted(set(as_of_dates))
    if not days:
        raise InvalidInput.one("as_of", "give at least one date")
    progress(0, total=len(days))
    clock = clock or PhaseClock()
    with clock.phase("tiers"):
        models = _models(session)
        tiers = _tiers(session, clock)
    with clock.phase("inputs"):
        inputs, custom = _inputs(session)
    if events_dir is not None:
        progress(0, note="roll-ups")
        with clock.phase("rollups"):
            update_rollups(events_dir, analytics.rollup_dir, reading=days)
            analytics.refresh()
    progress(0, note="metrics")
    with clock.phase("state"):
        previous = store.latest_before(root, days[0])
        stored = store.read(root, previous) if previous else None
        state = state_from_snapshot(stored) if stored is not None else {}
        newest = max(store.dates(root), default=None)
    staging = root / f".run-{uuid.uuid4().hex[:12]}"
    try:
        computed = _compute(
            session, analytics, clock, staging, days, models, tiers, inputs, custom, state, progress
        )
        with clock.phase("stage_changes"):
            new, gone = write_back.stage_changes(session, days, computed.moves)
            clock.count("stage_changes", new + gone)
            entered = computed.moves.to_pylist()
        with clock.phase("write_back"):
            last = computed.last
            if last is not None and (newest is None or days[-1] >= newest):
                clock.count("write_back", write_back.accounts(session, days[-1], last[1]))
            session.flush()
        with clock.phase("publish"):
            _publish(staging, root, days)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    versions = {
        "health": models.health_version,
        "lifecycle": models.lifecycle_version,
        "tiers": models.tiers_version,
    }
    first = models.lifecycle.stages[0].key
    return RunOutcome(days, tiers.num_rows, computed.rows, new, versions, entered, first, clock.report())


def _compute(
    session: Any,
    analytics: AnalyticsEngine,
    clock: PhaseClock,
    staging: Path,
    days: list[date],
    models: Models,
    tiers: pa.Table,
    inputs: MetricInputs,
    custom: list[CustomMetric],
    state: Any,
    progress: Progress = silent,
) -> _Computed:
    """Metrics, health and stages of each date; each date's history is stored and its file staged."""
    written: set[date] = set()

    def keep(day: date, table: pa.Table) -> None:
        """Stores one date's history and stages its Parquet file, so dates do not pile up in memory."""
        with clock.phase("history"):
            clock.count("history", write_back.history(session, day, table))
            written.add(day)
        with clock.phase("store"):
            store.write(staging, day, table)
        progress(1, note=str(day))

    rows, moved, last = 0, [], None
    terms = contract_terms(inputs.contracts)
    # Metrics stream out one date at a time from one pass over the roll-ups: a backfill stays small.
    for metrics in clock.each("metrics", iter_metrics(analytics, inputs, days, custom)):
        with clock.phase("health_and_stages"):
            scored = score_and_stage(metrics, tiers, models, terms, state, keep)
        state, rows, last = scored.state, rows + metrics.num_rows, scored.last or last
        moved.append(scored.transitions)
    with clock.phase("history"):
        for day in sorted(set(days) - written):  # a date that scored nobody keeps no history
            clock.count("history", write_back.history(session, day, _EMPTY_HISTORY))
    moves = pa.concat_tables(moved) if moved else TRANSITIONS_SCHEMA.empty_table()
    moves = moves.rename_columns(["account_id", "on", "from_stage", "to_stage", "reason"])
    return _Computed(rows, moves, last)


_EMPTY_HISTORY = pa.table(
    {
        "account_id": pa.array([], pa.int64()),
        "as_of": pa.array([], pa.date32()),
        "score": pa.array([], pa.float64()),
        "grade": pa.array([], pa.string()),
        "coverage": pa.array([], pa.float64()),
        "model": pa.array([], pa.string()),
        "model_version": pa.array([], pa.int64()),
        "stage": pa.array([], pa.string()),
    }
)


def _publish(staging: Path, root: Path, days: Sequence[date]) -> None:
    """Moves the staged files of a finished run into the store (each move atomic); a file equal to the
    stored one is left alone, so a rerun does not rewrite the store."""
    for day in days:
        staged = store.folder(staging, day) / store.FILE
        if not staged.exists():
            continue
        target = store.folder(root, day) / store.FILE
        if target.exists() and _same_bytes(staged, target):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            chunk = fa.read(1 << 20)
            if chunk != fb.read(1 << 20):
                return False
            if not chunk:
                return True


def _history_rows(table: pa.Table) -> list[dict[str, Any]]:
    cols = ["account_id", "as_of", "score", "grade", "coverage", "model", "model_version", "stage"]
    return table.select(cols).to_pylist()


def _denormalise(session: Any, as_of: date, table: pa.Table) -> None:
    """Copies the newest snapshot's health, trend and stage onto the accounts."""
    write_back.accounts(session, as_of, table)


def recompute_account(
    session: Any, analytics: AnalyticsEngine, root: Path, account_id: int, as_of: date
) -> dict[str, Any]:
    """Recomputes one account on a date, touching only its rows (see snapshots.recompute)."""
    return recompute.recompute_account(session, analytics, root, account_id, as_of)


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
    """An account's values of some columns in its newest stored row (a point read, patches included)."""
    stored = store.dates(root)
    newest = stored[-1] if stored else None
    later = [d for d in store.dates(root, patched=True) if newest is None or d > newest]
    for day in reversed(later):  # recomputed after the newest run (events since): the freshest values
        row = store.read_account(root, day, account_id, list(columns))
        if row is not None:
            return day, row
    if newest is None:
        return None
    return newest, store.read_account(root, newest, account_id, list(columns)) or {}
