"""The snapshot pipeline as a pure function: metrics and tiers in, health, stages and transitions out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lodestar.health.schemas import HealthConfig
from lodestar.health.scoring import score_all
from lodestar.lifecycle.engine import TRANSITIONS_SCHEMA, StageState, assign_stages, states_from
from lodestar.lifecycle.schemas import LifecycleModel

STATE_COLUMNS = ("stage", "phase", "at_risk", "risk_clear_streak", "live_since", "matured_since")
HEALTH_COLUMNS = ("model", "model_version", "score", "grade", "coverage", "co_score", "cx_score")
TIER_COLUMNS = ("tier", "tier_source", "touch_model")


@dataclass(frozen=True)
class Models:
    """The configuration one run uses, with its versions."""

    health: HealthConfig
    health_version: int
    lifecycle: LifecycleModel
    lifecycle_version: int = 0
    tiers_version: int = 0


@dataclass
class Computed:
    """Per date, in date order, the full snapshot rows; every stage change; the state to carry on."""

    snapshots: list[tuple[date, pa.Table]]
    transitions: pa.Table
    state: dict[int, StageState]


def _signals(metrics: pa.Table, health: pa.Table, go_live: str | None) -> pa.Table:
    """What the stage engine reads: activity, the go-live metric and the health of each row."""
    cols = {"account_id": metrics.column("account_id"), "as_of": metrics.column("as_of")}
    for name in ("days_since_last_activity", go_live):
        if name and name in metrics.column_names:
            cols[name] = metrics.column(name)
    cols["score"], cols["grade"] = health.column("score"), health.column("grade")
    return pa.table(cols)


def _stage_array(account_ids: pa.ChunkedArray, state: dict[int, StageState]) -> pa.Array:
    return pa.array([state.get(a, StageState()).stage for a in account_ids.to_pylist()], pa.string())


def renewal_window(metrics: pa.Table, lifecycle: LifecycleModel) -> pa.Array:
    """Whether each row is inside the renewal window of its live contract (the timeline rule)."""
    rules = lifecycle.timeline
    if rules.renewal_lead_days is not None:
        inside = pc.less_equal(metrics.column("days_to_end"), rules.renewal_lead_days)
    else:
        share = rules.renewal_share or 1 / 3
        inside = pc.greater_equal(metrics.column("term_elapsed_share"), 1 - share)
    return pc.fill_null(inside, False)


def _one_date(
    metrics: pa.Table, tiers: pa.Table, models: Models, contracts: pa.Table, state: dict[int, StageState]
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Health with the model of each account's stage, then the stage with that health."""
    go_live = models.lifecycle.timeline.go_live
    metric = go_live.metric if go_live else None
    ids = metrics.column("account_id")
    first = score_all(metrics, models.health, tiers, _stage_array(ids, state), models.health_version)
    stages, changes = assign_stages(_signals(metrics, first, metric), contracts, models.lifecycle, state)
    health = score_all(metrics, models.health, tiers, stages.column("stage"), models.health_version)
    moved = pc.not_equal(first.column("model"), health.column("model"))
    if not pc.any(moved).as_py():
        return health, stages, changes
    # The stage chose another model for some accounts: walk those again with their new scores.
    again = set(pc.filter(ids, moved).to_pylist())
    sub = _signals(metrics, health, metric).filter(moved)
    terms = contracts.filter(pc.is_in(contracts.column("account_id"), pa.array(sorted(again), pa.int64())))
    fixed, fixed_changes = assign_stages(
        sub, terms, models.lifecycle, {a: state[a] for a in again if a in state}
    )
    keep = pc.invert(pc.is_in(stages.column("account_id"), fixed.column("account_id")))
    stages = pa.concat_tables([stages.filter(keep), fixed]).sort_by("account_id")
    kept = pc.invert(pc.is_in(changes.column("account_id"), fixed.column("account_id")))
    changes = pa.concat_tables([changes.filter(kept), fixed_changes]).sort_by("account_id")
    return health, stages, changes


def _full_rows(
    metrics: pa.Table, tiers: pa.Table, health: pa.Table, stages: pa.Table, lifecycle: LifecycleModel
) -> pa.Table:
    """Metrics, tier, health and stage side by side, one row per account (rows share account order)."""
    out = metrics
    tier_by = tiers.select(["account_id", *TIER_COLUMNS])
    joined = metrics.select(["account_id"]).join(tier_by, "account_id", join_type="left outer")
    joined = joined.sort_by("account_id")
    for name in TIER_COLUMNS:
        out = out.append_column(name, joined.column(name))
    for name in HEALTH_COLUMNS:
        out = out.append_column(name, health.column(name))
    out = out.append_column("explanations", health.column("explanations"))
    for name in STATE_COLUMNS:
        out = out.append_column(name, stages.column(name))
    return out.append_column("in_renewal_window", renewal_window(metrics, lifecycle))


def compute(
    metrics: pa.Table,
    tiers: pa.Table,
    models: Models,
    contracts: pa.Table,
    state: dict[int, StageState] | None = None,
) -> Computed:
    """Walks the dates in order: each date's stages start from the state the previous date left."""
    metrics = metrics.sort_by([("as_of", "ascending"), ("account_id", "ascending")])
    carried = dict(state or {})
    days = pc.unique(metrics.column("as_of")).to_pylist()
    snapshots, changes = [], []
    as_of = metrics.column("as_of")
    for day in sorted(days):
        rows = metrics.filter(pc.equal(as_of, pa.scalar(day, pa.date32())))
        health, stages, moved = _one_date(rows, tiers, models, contracts, carried)
        carried.update(states_from(stages))
        snapshots.append((day, _full_rows(rows, tiers, health, stages, models.lifecycle)))
        changes.append(moved)
    transitions = pa.concat_tables(changes) if changes else TRANSITIONS_SCHEMA.empty_table()
    return Computed(snapshots, transitions, carried)


def state_from_snapshot(table: pa.Table) -> dict[int, StageState]:
    """The stage state carried by a stored snapshot."""
    return states_from(table.select(["account_id", "as_of", *STATE_COLUMNS]))


def contract_terms(contracts: pa.Table) -> pa.Table:
    """The metric inputs' contracts (day numbers) as the stage engine reads them (dates)."""
    live = contracts.filter(pc.not_equal(contracts.column("status"), "cancelled"))
    epoch = date(1970, 1, 1).toordinal()

    def dates(name: str) -> pa.Array:
        numbers = live.column(name).to_numpy(zero_copy_only=False).astype(np.int64)
        return pa.array([date.fromordinal(epoch + int(n)) for n in numbers], pa.date32())

    return pa.table(
        {
            "account_id": live.column("account_id"),
            "start_date": dates("start_day"),
            "end_date": dates("end_day"),
            "status": live.column("status"),
        }
    )
