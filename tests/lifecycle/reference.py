"""The original per-account stage engine, kept as the reference the vectorised engine must equal."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pyarrow as pa

from lodestar.lifecycle.engine import STAGES_SCHEMA, TRANSITIONS_SCHEMA, StageState
from lodestar.lifecycle.schemas import LEAD_POOL, LifecycleModel

CHAIN_GAP_DAYS = 31  # a contract starting within this many days of the last one's end continues the chain


@dataclass(frozen=True)
class Term:
    """One contract as the stage engine sees it."""

    start: date
    end: date
    status: str = "active"
    signed_on: date | None = None
    handover_done_on: date | None = None
    go_live_on: date | None = None

    @property
    def known_from(self) -> date:
        """The day the contract exists for us: signing, or its start when the signing date is unknown."""
        return min(self.signed_on or self.start, self.start)


@dataclass(frozen=True)
class Place:
    """Where the contract phases put an account: a phase (or lead_pool / None) and why."""

    phase: str | None
    reason: str
    live: bool
    chain_start: date | None = None


def _chain_start(terms: list[Term], current: Term) -> date:
    """The start of the run of contiguous contracts that ends with `current`."""
    start = current.start
    for term in sorted((t for t in terms if t.start < current.start), key=lambda t: t.start, reverse=True):
        if (start - term.end).days > CHAIN_GAP_DAYS:
            break
        start = min(start, term.start)
    return start


def _renewal_opens(model: LifecycleModel, term: Term) -> tuple[date, str]:
    rules = model.timeline
    if rules.renewal_lead_days is not None:
        lead, why = rules.renewal_lead_days, f"{rules.renewal_lead_days} days before the contract ends"
    else:
        share = rules.renewal_share or 1 / 3
        lead = math.ceil((term.end - term.start).days * share)
        why = f"last {share:.0%} of the term" if abs(share - 1 / 3) > 1e-3 else "last third of the term"
    return date.fromordinal(term.end.toordinal() - lead), f"renewal window opened ({why})"


def place(model: LifecycleModel, terms: list[Term], day: date, live_since: date | None) -> Place:
    """The contract phase on `day`; `live_since` is when the onboarding criteria were first met, if ever."""
    known = [t for t in terms if t.known_from <= day]
    if not known:
        return Place(None, "no contract yet", live=False)
    live = [t for t in known if t.start <= day <= t.end]
    if not live:
        ahead = [t for t in known if t.start > day]
        ended = max((t for t in known if t.end < day), key=lambda t: t.end, default=None)
        if ended is not None and (ended.status == "renewed" or ahead):
            if ahead and (min(t.start for t in ahead) - ended.end).days > CHAIN_GAP_DAYS:
                return Place("handover", "new contract signed", live=True, chain_start=day)
            return Place("renewal", "renewed; waiting for the new term to start", live=True)
        if ahead:
            return Place("handover", "contract signed", live=True, chain_start=min(t.start for t in ahead))
        assert ended is not None
        since = (day - ended.end).days
        if since <= model.churn.win_back_days:
            return Place("churned", "contract ended without renewal", live=False)
        return Place(LEAD_POOL, f"win-back window of {model.churn.win_back_days} days passed", live=False)
    current = max(live, key=lambda t: t.start)
    chain = _chain_start(known, current)
    opens, why = _renewal_opens(model, current)
    if day >= opens:
        return Place("renewal", why, live=True, chain_start=chain)
    rules, tenure = model.timeline, (day - chain).days
    handed_over = current.handover_done_on is not None and day >= current.handover_done_on
    if not handed_over and tenure < rules.onboarding_after_days:
        return Place("handover", "contract signed", live=True, chain_start=chain)
    went_live = (current.go_live_on is not None and day >= current.go_live_on) or (
        live_since is not None and live_since >= chain
    )
    if not went_live and tenure < rules.growth_after_days:
        why = "handover done" if handed_over else f"{rules.onboarding_after_days} days since the start"
        return Place("onboarding", why, live=True, chain_start=chain)
    why = "went live" if went_live else f"day {rules.growth_after_days} reached"
    return Place("growth", why, live=True, chain_start=chain)


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
