"""Health and stages of one run, a pure function: metrics and tiers in; health, stages, stage changes out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lodestar.health.schemas import HealthConfig
from lodestar.health.scoring import score_all
from lodestar.kit.time import EPOCH
from lodestar.lifecycle.engine import (
    STAGES_SCHEMA,
    TRANSITIONS_SCHEMA,
    StageState,
    StageStates,
    assign_stages,
    states_from,
)
from lodestar.lifecycle.schemas import LifecycleModel

STATE_COLUMNS = ("stage", "phase", "at_risk", "risk_clear_streak", "live_since", "matured_since")
HEALTH_COLUMNS = ("model", "model_version", "score", "grade", "coverage", "co_score", "cx_score")
TIER_COLUMNS = ("tier", "tier_source", "touch_model")
Sink = Callable[[date, pa.Table], None]


@dataclass(frozen=True)
class Models:
    """The configuration one run uses, with its versions."""

    health: HealthConfig
    health_version: int
    lifecycle: LifecycleModel
    lifecycle_version: int = 0
    tiers_version: int = 0


class CarriedStates(StageStates):
    """The stage states plus each account's last health grade, which the grade margin holds on to."""

    def __init__(self, stages: StageStates, grades: pa.Table | None) -> None:
        super().__init__(
            stages.ids,
            stages.names,
            stages.stage,
            stages.at_risk,
            stages.streak,
            stages.live_since,
            stages.matured,
        )
        self.grades = grades


def _grade_table(table: pa.Table) -> pa.Table:
    """(account_id, grade) of a health or snapshot table, in one schema."""
    return pa.table(
        {
            "account_id": pc.cast(table.column("account_id"), pa.int64()),
            "grade": pc.cast(table.column("grade"), pa.string()),
        }
    )


def _carry_grades(old: pa.Table | None, new: pa.Table) -> pa.Table:
    """The newest grade of every account seen so far."""
    fresh = _grade_table(new)
    if old is None:
        return fresh
    kept = pc.invert(pc.is_in(old.column("account_id"), value_set=fresh.column("account_id")))
    return pa.concat_tables([old.filter(kept), fresh])


@dataclass
class Scored:
    """The newest date's full snapshot rows, every stage change and the state to carry on."""

    last: tuple[date, pa.Table] | None
    transitions: pa.Table
    state: StageStates


def _signals(metrics: pa.Table, health: pa.Table, go_live: str | None) -> pa.Table:
    """What the stage engine reads: activity, the go-live metric and the health of each row."""
    cols = {"account_id": metrics.column("account_id"), "as_of": metrics.column("as_of")}
    for name in ("days_since_last_activity", go_live):
        if name and name in metrics.column_names:
            cols[name] = metrics.column(name)
    cols["score"], cols["grade"] = health.column("score"), health.column("grade")
    return pa.table(cols)


def _ids(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(pc.cast(column, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def _positions(known: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each id, its position in the sorted `known` ids and whether it is there."""
    if not len(known):
        return np.zeros(len(ids), dtype=np.int64), np.zeros(len(ids), dtype=bool)
    pos = np.clip(np.searchsorted(known, ids), 0, len(known) - 1)
    return pos, known[pos] == ids


def _stage_array(account_ids: pa.ChunkedArray, state: StageStates) -> pa.Array:
    """Each account's carried stage (null when it has none)."""
    pos, hit = _positions(state.ids, _ids(account_ids))
    codes = np.where(hit, state.stage[pos] if len(state.ids) else 0, 0)
    return pa.array(state.names, pa.string()).take(pa.array(codes.astype(np.int32)))


def as_states(state: Mapping[int, StageState] | None) -> StageStates:
    """Any mapping of carried states as the array-backed StageStates (returned as is when it is one)."""
    if isinstance(state, StageStates):
        return state
    items = sorted((state or {}).items())
    rows = [
        {
            "account_id": a,
            "as_of": EPOCH,
            "stage": s.stage,
            "phase": None,
            "at_risk": s.at_risk,
            "risk_clear_streak": s.risk_clear_streak,
            "live_since": s.live_since,
            "matured_since": s.matured_since,
        }
        for a, s in items
    ]
    return states_from(pa.Table.from_pylist(rows, schema=STAGES_SCHEMA))


def _subset(state: StageStates, ids: np.ndarray) -> StageStates:
    """The states of these (sorted, unique) accounts that have one."""
    pos, hit = _positions(state.ids, ids)
    at = pos[hit]
    return StageStates(
        ids[hit],
        state.names,
        state.stage[at],
        state.at_risk[at],
        state.streak[at],
        state.live_since[at],
        state.matured[at],
    )


def merge_states(old: StageStates, new: StageStates) -> StageStates:
    """The new states, plus the old ones of accounts the new do not cover."""
    _, covered = _positions(new.ids, old.ids)
    keep = np.flatnonzero(~covered)
    if not len(keep):
        return new
    names = list(new.names) + [n for n in old.names if n not in new.names]
    recode = np.array([names.index(n) for n in old.names], dtype=np.int64)
    ids = np.concatenate([old.ids[keep], new.ids])
    order = np.argsort(ids, kind="stable")

    def both(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([a[keep], b])[order]

    return StageStates(
        ids=ids[order],
        names=names,
        stage=np.concatenate([recode[old.stage[keep]], new.stage])[order],
        at_risk=both(old.at_risk, new.at_risk),
        streak=both(old.streak, new.streak),
        live_since=both(old.live_since, new.live_since),
        matured=both(old.matured, new.matured),
    )


def renewal_window(metrics: pa.Table, lifecycle: LifecycleModel) -> pa.Array:
    """Whether each row is inside the renewal window of its live contract (the contract-phase rule)."""
    rules = lifecycle.timeline
    if rules.renewal_lead_days is not None:
        inside = pc.less_equal(metrics.column("days_to_end"), rules.renewal_lead_days)
    else:
        share = rules.renewal_share or 1 / 3
        inside = pc.greater_equal(metrics.column("term_elapsed_share"), 1 - share)
    return pc.fill_null(inside, False)


def _model_stages(
    metrics: pa.Table,
    contracts: pa.Table,
    models: Models,
    state: StageStates,
    stages: pa.Array | pa.ChunkedArray,
) -> pa.Array | pa.ChunkedArray:
    """The stage whose health model judges each account: its own stage, except that an account with no stage
    yet, or one held at risk, is judged by the stage of its contract phase.

    At-risk is a consequence of health, so it must not choose the model that computes health: otherwise a
    week-old customer with little usage is judged on depth by the general model, falls red, and is then held
    at risk by the model its own risk chose, never getting its handover and onboarding (a model that names
    the at-risk stage in `applies_to` still judges at-risk accounts).
    """
    at_risk = models.lifecycle.stage_of("at_risk")
    named = at_risk is not None and any(at_risk in m.applies_to.stages for m in models.health.models)
    need = pc.is_null(stages)
    if at_risk is not None and not named:
        need = pc.or_(need, pc.fill_null(pc.equal(stages, pa.scalar(at_risk)), False))
    if not pc.any(need).as_py():
        return stages
    go_live = models.lifecycle.timeline.go_live
    wanted_columns = ["account_id", "as_of"]
    if go_live and go_live.metric in metrics.column_names:
        wanted_columns.append(go_live.metric)  # going live early still moves the phase to growth
    rows = metrics.select(wanted_columns).filter(need)
    ids = np.unique(_ids(rows.column("account_id")))
    held = _subset(state, ids)
    cleared = StageStates(
        held.ids,
        held.names,
        held.stage,
        np.zeros(len(held.ids), dtype=bool),
        np.zeros(len(held.ids), dtype=held.streak.dtype),
        held.live_since,
        held.matured,
    )
    terms = contracts.filter(pc.is_in(contracts.column("account_id"), pa.array(ids, pa.int64())))
    plain, _ = assign_stages(rows, terms, models.lifecycle, cleared)  # no score, no activity: no override
    plain = plain.sort_by("account_id")
    pos, _ = _positions(_ids(plain.column("account_id")), _ids(metrics.column("account_id")))
    phase_stage = plain.column("stage").take(pa.array(pos))
    return pc.if_else(need, phase_stage, pc.cast(stages, pa.string()))


def _one_date(
    metrics: pa.Table,
    tiers: pa.Table,
    models: Models,
    contracts: pa.Table,
    state: StageStates,
    peers: pa.Table | None = None,
    last_grades: pa.Table | None = None,
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Health with the model of each account's stage, then the stage with that health."""
    go_live = models.lifecycle.timeline.go_live
    metric = go_live.metric if go_live else None
    ids = metrics.column("account_id")
    carried = _model_stages(metrics, contracts, models, state, _stage_array(ids, state))
    version = models.health_version
    first = score_all(
        metrics, models.health, tiers, carried, version, explain=False, peers=peers, last_grades=last_grades
    )
    stages, changes = assign_stages(_signals(metrics, first, metric), contracts, models.lifecycle, state)
    judged = _model_stages(metrics, contracts, models, state, stages.column("stage"))
    health = score_all(metrics, models.health, tiers, judged, version, peers=peers, last_grades=last_grades)
    moved = pc.not_equal(first.column("model"), health.column("model"))
    if not pc.any(moved).as_py():
        return health, stages, changes
    # The stage chose another model for some accounts: walk those again with their new scores.
    again = np.unique(_ids(pc.filter(ids, moved)))
    sub = _signals(metrics, health, metric).filter(moved)
    terms = contracts.filter(pc.is_in(contracts.column("account_id"), pa.array(again, pa.int64())))
    fixed, fixed_changes = assign_stages(sub, terms, models.lifecycle, _subset(state, again))
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
    # Each row's tier by position (a hash lookup, not a join: Acero starts threads even for one row).
    known = tiers.column("account_id").combine_chunks().cast(metrics.schema.field("account_id").type)
    at = pc.index_in(metrics.column("account_id"), value_set=known)
    for name in TIER_COLUMNS:
        out = out.append_column(name, tiers.column(name).take(at))
    for name in HEALTH_COLUMNS:
        out = out.append_column(name, health.column(name))
    out = out.append_column("explanations", health.column("explanations"))
    for name in STATE_COLUMNS:
        out = out.append_column(name, stages.column(name))
    return out.append_column("in_renewal_window", renewal_window(metrics, lifecycle))


def score_and_stage(
    metrics: pa.Table,
    tiers: pa.Table,
    models: Models,
    contracts: pa.Table,
    state: Mapping[int, StageState] | None = None,
    sink: Sink | None = None,
    peers: pa.Table | None = None,
) -> Scored:
    """Walks the dates in order: each date's stages start from the state the previous date left.

    Each date's full rows go to `sink` as soon as they are made, so a long backfill holds one date at a time.
    `peers` are other accounts' stored rows that join the percentile ranks (see health.scoring.score_all).
    """
    carried = as_states(state)
    grades = getattr(state, "grades", None)  # the last grades, for the grade margin
    as_of = metrics.column("as_of")
    days = sorted(pc.unique(as_of).to_pylist())
    changes: list[pa.Table] = []
    last: tuple[date, pa.Table] | None = None
    for day in days:
        rows = metrics.filter(pc.equal(as_of, pa.scalar(day, pa.date32()))).sort_by("account_id")
        health, stages, moved = _one_date(rows, tiers, models, contracts, carried, peers, grades)
        carried = merge_states(carried, states_from(stages))
        grades = _carry_grades(grades, health)
        last = (day, _full_rows(rows, tiers, health, stages, models.lifecycle))
        if sink is not None:
            sink(*last)
        changes.append(moved)
        del rows, health, stages
    moves = pa.concat_tables(changes) if changes else TRANSITIONS_SCHEMA.empty_table()
    return Scored(last, moves, CarriedStates(carried, grades))


def state_from_snapshot(table: pa.Table) -> StageStates:
    """The stage state and the grades carried by a stored snapshot."""
    stages = states_from(table.select(["account_id", "as_of", *STATE_COLUMNS]))
    return CarriedStates(stages, _grade_table(table) if "grade" in table.column_names else None)


def contract_terms(contracts: pa.Table) -> pa.Table:
    """The metric inputs' contracts (day numbers) as the stage engine reads them (dates)."""
    live = contracts.filter(pc.not_equal(contracts.column("status"), "cancelled"))

    def dates(name: str) -> pa.ChunkedArray:
        return live.column(name).cast(pa.int32()).cast(pa.date32())

    return pa.table(
        {
            "account_id": live.column("account_id"),
            "start_date": dates("start_day"),
            "end_date": dates("end_day"),
            "status": live.column("status"),
        }
    )
