"""The stage engine: a pure function from ordered snapshots and contracts to stages and transitions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pyarrow as pa

from lodestar.lifecycle.schemas import LEAD_POOL, LifecycleModel
from lodestar.lifecycle.timeline import Place, Term, place

STAGES_SCHEMA = pa.schema(
    [
        ("account_id", pa.int64()),
        ("as_of", pa.date32()),
        ("stage", pa.string()),
        ("phase", pa.string()),
        ("at_risk", pa.bool_()),
        ("risk_clear_streak", pa.int32()),
        ("live_since", pa.date32()),
        ("matured_since", pa.date32()),
    ]
)
TRANSITIONS_SCHEMA = pa.schema(
    [
        ("account_id", pa.int64()),
        ("as_of", pa.date32()),
        ("from_stage", pa.string()),
        ("to_stage", pa.string()),
        ("reason", pa.string()),
    ]
)


@dataclass(frozen=True)
class StageState:
    """What the engine carries from one snapshot to the next for an account."""

    stage: str | None = None
    at_risk: bool = False
    risk_clear_streak: int = 0
    live_since: date | None = None
    matured_since: date | None = None


@dataclass(frozen=True)
class Signals:
    """The status signals of one snapshot."""

    score: float | None
    grade: str | None
    inactive_days: float | None
    go_live_value: float | None


def _risk(model: LifecycleModel, s: Signals) -> str | None:
    """Why the snapshot is risky, or None."""
    rules = model.at_risk
    if s.score is not None and s.score < rules.enter_below:
        return f"health {s.score:.0f} below {rules.enter_below:g}"
    if (
        rules.inactive_days is not None
        and s.inactive_days is not None
        and s.inactive_days >= rules.inactive_days
    ):
        return f"no activity for {s.inactive_days:.0f} days"
    return None


def _clear(model: LifecycleModel, s: Signals) -> bool:
    rules = model.at_risk
    inactive = (
        rules.inactive_days is not None
        and s.inactive_days is not None
        and s.inactive_days >= rules.inactive_days
    )
    return s.score is not None and s.score >= rules.leave_above and not inactive


def step(
    model: LifecycleModel, terms: list[Term], day: date, signals: Signals, state: StageState
) -> tuple[StageState, str, str | None]:
    """Advances one account by one snapshot: the new state, its phase and the reason for a change."""
    live_since = state.live_since
    go_live = model.timeline.go_live
    if (
        live_since is None
        and go_live
        and signals.go_live_value is not None
        and signals.go_live_value >= go_live.at_least
    ):
        live_since = day
    where: Place = place(model, terms, day, live_since)
    phase, reason = where.phase, where.reason
    matured = (
        state.matured_since
        if where.chain_start and state.matured_since and state.matured_since >= where.chain_start
        else None
    )
    if phase == "growth" and where.chain_start is not None:
        ripe = (day - where.chain_start).days >= model.timeline.maturity_after_days
        if matured or (ripe and signals.grade in model.timeline.maturity_grades):
            matured = matured or day
            phase, reason = "maturity", f"day {model.timeline.maturity_after_days} reached while healthy"
    at_risk, streak = state.at_risk and where.live, state.risk_clear_streak
    if where.live and not at_risk and (why := _risk(model, signals)):
        at_risk, streak, reason = True, 0, why
    elif at_risk:
        streak = streak + 1 if _clear(model, signals) else 0
        if streak >= model.at_risk.leave_after:
            at_risk, streak = False, 0
            rules = model.at_risk
            reason = (
                f"risk cleared: health at or above {rules.leave_above:g} for {rules.leave_after} snapshots"
            )
    shown = "at_risk" if at_risk and model.stage_of("at_risk") else phase
    stage = LEAD_POOL if shown == LEAD_POOL else (model.stage_of(shown) if shown else None)
    new = StageState(stage, at_risk, streak if at_risk else 0, live_since, matured)
    return new, (("at_risk" if at_risk else phase) or ""), reason


def _terms(contracts: pa.Table) -> dict[int, list[Term]]:
    """Contracts grouped by account."""
    optional = [
        c for c in ("status", "signed_on", "handover_done_on", "go_live_on") if c in contracts.column_names
    ]
    by_account: dict[int, list[Term]] = defaultdict(list)
    for row in contracts.select(["account_id", "start_date", "end_date", *optional]).to_pylist():
        account = row.pop("account_id")
        row["start"], row["end"] = row.pop("start_date"), row.pop("end_date")
        row["status"] = row.get("status") or "active"
        by_account[account].append(Term(**row))
    return by_account


def _column(table: pa.Table, name: str | None) -> list[Any]:
    if name is None or name not in table.column_names:
        return [None] * table.num_rows
    return table.column(name).to_pylist()


def assign_stages(
    snapshots: pa.Table,
    contracts: pa.Table,
    model: LifecycleModel,
    previous_state: dict[int, StageState] | None = None,
) -> tuple[pa.Table, pa.Table]:
    """Stage per account per snapshot date (in date order) and every stage change with its reason."""
    ordered = snapshots.sort_by([("account_id", "ascending"), ("as_of", "ascending")])
    go_live = model.timeline.go_live
    cols = zip(
        _column(ordered, "account_id"),
        _column(ordered, "as_of"),
        _column(ordered, "score"),
        _column(ordered, "grade"),
        _column(ordered, "days_since_last_activity"),
        _column(ordered, go_live.metric if go_live else None),
        strict=True,
    )
    terms, states = _terms(contracts), dict(previous_state or {})
    rows: list[tuple[Any, ...]] = []
    changes: list[tuple[Any, ...]] = []
    for account, day, score, grade, inactive, activation in cols:
        before = states.get(account, StageState())
        state, phase, reason = step(
            model, terms.get(account, []), day, Signals(score, grade, inactive, activation), before
        )
        states[account] = state
        rows.append(
            (
                account,
                day,
                state.stage,
                phase or None,
                state.at_risk,
                state.risk_clear_streak,
                state.live_since,
                state.matured_since,
            )
        )
        if state.stage != before.stage:
            changes.append((account, day, before.stage, state.stage, reason))
    return _table(rows, STAGES_SCHEMA), _table(changes, TRANSITIONS_SCHEMA)


def _table(rows: Iterable[tuple[Any, ...]], schema: pa.Schema) -> pa.Table:
    columns = list(zip(*rows, strict=True)) or [()] * len(schema)
    return pa.table([pa.array(list(c), f.type) for c, f in zip(columns, schema, strict=True)], schema=schema)


def states_from(stages: pa.Table) -> dict[int, StageState]:
    """The state to carry on from: each account's last row of a stages table."""
    last: dict[int, StageState] = {}
    for row in stages.sort_by([("account_id", "ascending"), ("as_of", "ascending")]).to_pylist():
        last[row["account_id"]] = replace(
            StageState(),
            stage=row["stage"],
            at_risk=row["at_risk"],
            risk_clear_streak=row["risk_clear_streak"],
            live_since=row["live_since"],
            matured_since=row["matured_since"],
        )
    return last
