"""The stage engine: a pure function from ordered snapshots and contracts to stages and transitions.

The contract phase of every row is array arithmetic (`phases.place`); the state the engine carries
(go-live, maturity, the at-risk hysteresis) is a scan over each account's snapshots in date order,
one step per snapshot, vectorised over accounts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lodestar.kit.time import day_number, from_day_number
from lodestar.lifecycle import phases
from lodestar.lifecycle.schemas import LEAD_POOL, LifecycleModel

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


class StageStates(Mapping[int, StageState]):
    """Each account's carried state held as arrays; reads as a mapping of account id to StageState."""

    def __init__(
        self,
        ids: np.ndarray,
        names: list[str | None],
        stage: np.ndarray,
        at_risk: np.ndarray,
        streak: np.ndarray,
        live_since: np.ndarray,
        matured: np.ndarray,
    ) -> None:
        self.ids, self.names, self.stage, self.at_risk = ids, names, stage, at_risk
        self.streak, self.live_since, self.matured = streak, live_since, matured

    def _at(self, account: object) -> int:
        if not isinstance(account, int | np.integer) or not len(self.ids):
            return -1
        i = int(np.searchsorted(self.ids, account))
        return i if i < len(self.ids) and self.ids[i] == account else -1

    def __getitem__(self, account: int) -> StageState:
        i = self._at(account)
        if i < 0:
            raise KeyError(account)
        return StageState(
            self.names[self.stage[i]],
            bool(self.at_risk[i]),
            int(self.streak[i]),
            _date(int(self.live_since[i])),
            _date(int(self.matured[i])),
        )

    def __contains__(self, account: object) -> bool:
        return self._at(account) >= 0

    def __iter__(self) -> Iterator[int]:
        return iter(self.ids.tolist())

    def __len__(self) -> int:
        return len(self.ids)


def _date(day: int) -> date | None:
    return None if day == phases.UNSET else from_day_number(day)


def _floats(table: pa.Table, name: str | None) -> np.ndarray:
    """A column as float64 with NaN for null (all NaN when absent)."""
    if name is None or name not in table.column_names:
        return np.full(table.num_rows, np.nan)
    column = table.column(name)
    if pa.types.is_boolean(column.type):
        column = pc.cast(column, pa.int8())
    return np.asarray(pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)


class _Vocabulary:
    """Stage keys as small integer codes (0 is no stage)."""

    def __init__(self, model: LifecycleModel, extra: set[str | None]) -> None:
        keys = [s.key for s in model.stages] + [LEAD_POOL]
        self.names: list[str | None] = [None, *keys, *sorted(k for k in extra if k and k not in keys)]
        self.code = {name: i for i, name in enumerate(self.names)}
        shown = [
            LEAD_POOL if p == LEAD_POOL else model.stage_of(p) if p else None for p in phases.PHASE_NAMES
        ]
        self.of_phase = np.array([self.code[s] for s in shown], dtype=np.int16)
        at_risk = model.stage_of("at_risk")
        self.at_risk = self.code[at_risk] if at_risk else -1

    def strings(self, codes: np.ndarray) -> pa.Array:
        return pa.array(self.names, pa.string()).take(pa.array(codes.astype(np.int32)))


@dataclass
class _Carry:
    """The engine state of every account, as arrays."""

    stage: np.ndarray
    at_risk: np.ndarray
    streak: np.ndarray
    live_since: np.ndarray
    matured: np.ndarray


def _day(value: date | None) -> int:
    return phases.UNSET if value is None else day_number(value)


def _carry(ids: np.ndarray, previous: Mapping[int, StageState], words: _Vocabulary) -> _Carry:
    n = len(ids)
    carry = _Carry(
        np.zeros(n, dtype=np.int16),
        np.zeros(n, dtype=bool),
        np.zeros(n, dtype=np.int64),
        np.full(n, phases.UNSET, dtype=np.int64),
        np.full(n, phases.UNSET, dtype=np.int64),
    )
    if isinstance(previous, StageStates):
        if len(previous.ids):
            pos = np.clip(np.searchsorted(previous.ids, ids), 0, len(previous.ids) - 1)
            at = np.flatnonzero(previous.ids[pos] == ids)
            src = pos[at]
            recode = np.array([words.code[name] for name in previous.names], dtype=np.int16)
            carry.stage[at] = recode[previous.stage[src]]
            carry.at_risk[at], carry.streak[at] = previous.at_risk[src], previous.streak[src]
            carry.live_since[at], carry.matured[at] = previous.live_since[src], previous.matured[src]
        return carry
    hits = [(i, s) for i, a in enumerate(ids.tolist()) if (s := previous.get(a)) is not None]
    if hits:
        at = np.array([i for i, _ in hits], dtype=np.int64)
        states = [s for _, s in hits]
        carry.stage[at] = [words.code[s.stage] for s in states]
        carry.at_risk[at] = [s.at_risk for s in states]
        carry.streak[at] = [s.risk_clear_streak for s in states]
        carry.live_since[at] = [_day(s.live_since) for s in states]
        carry.matured[at] = [_day(s.matured_since) for s in states]
    return carry


@dataclass
class _Signals:
    """What each row (in account, date order) tells the engine besides its contract phase."""

    score: np.ndarray
    inactive: np.ndarray
    risk_reason: np.ndarray  # the reason code of entering at-risk on this row (0: no reason to)
    clear: np.ndarray  # healthy and active enough to count towards leaving at-risk
    grade_ok: np.ndarray  # a grade that lets growth ripen into maturity
    activated: np.ndarray  # the go-live criteria met


def _signals(snapshots: pa.Table, model: LifecycleModel, order: np.ndarray) -> _Signals:
    """The rows' health, activity, grade and go-live signals, sorted by `order`."""
    n = len(order)
    score, inactive = (
        _floats(snapshots, "score")[order],
        _floats(snapshots, "days_since_last_activity")[order],
    )
    risk = model.at_risk
    idle = inactive >= risk.inactive_days if risk.inactive_days is not None else np.zeros(n, dtype=bool)
    risk_reason = np.select(
        [score < risk.enter_below, idle], [phases.R_RISK_SCORE, phases.R_RISK_INACTIVE], 0
    )
    clear = (score >= risk.leave_above) & ~idle
    rules = model.timeline
    if "grade" in snapshots.column_names:
        healthy = pc.fill_null(
            pc.is_in(snapshots.column("grade"), pa.array(list(rules.maturity_grades))), False
        )
        grade_ok = np.asarray(healthy.to_numpy(zero_copy_only=False), dtype=bool)[order]
    else:
        grade_ok = np.zeros(n, dtype=bool)
    go_live = rules.go_live
    activated = (
        _floats(snapshots, go_live.metric)[order] >= go_live.at_least if go_live else np.zeros(n, dtype=bool)
    )
    return _Signals(score, inactive, risk_reason, clear, grade_ok, activated)


@dataclass
class _Walked:
    """Per row: the stage before and after, phase and reason codes, and the state carried on."""

    stage: np.ndarray
    before: np.ndarray
    phase: np.ndarray
    reason: np.ndarray
    at_risk: np.ndarray
    streak: np.ndarray
    live: np.ndarray
    matured: np.ndarray

    @classmethod
    def empty(cls, n: int) -> _Walked:
        """Outputs for n rows, to be filled step by step."""
        return cls(
            np.zeros(n, dtype=np.int16),
            np.zeros(n, dtype=np.int16),
            np.zeros(n, dtype=np.int8),
            np.zeros(n, dtype=np.int8),
            np.zeros(n, dtype=bool),
            np.zeros(n, dtype=np.int32),
            np.full(n, phases.UNSET, dtype=np.int64),
            np.full(n, phases.UNSET, dtype=np.int64),
        )


def _walk_snapshots(
    accounts: np.ndarray,
    days: np.ndarray,
    places: phases.Places,
    signals: _Signals,
    model: LifecycleModel,
    carry: _Carry,
    words: _Vocabulary,
) -> _Walked:
    """Steps through every account's snapshots at once: the k-th snapshot of each account in step k."""
    n = len(accounts)
    new_account = np.r_[True, accounts[1:] != accounts[:-1]] if n else np.zeros(0, dtype=bool)
    group = np.cumsum(new_account) - 1
    step = np.arange(n) - np.flatnonzero(new_account)[group] if n else group
    out = _Walked.empty(n)
    risk, rules = model.at_risk, model.timeline
    by_step = np.argsort(step, kind="stable")
    bounds = np.searchsorted(step[by_step], np.arange(int(step.max(initial=-1)) + 2))
    for k in range(len(bounds) - 1):
        rows = by_step[bounds[k] : bounds[k + 1]]
        g, day, chain = group[rows], days[rows], places.chain[rows]
        live_since = carry.live_since[g]
        live_since = np.where((live_since == phases.UNSET) & signals.activated[rows], day, live_since)
        phase, reason = places.phase[rows].copy(), places.reason[rows].copy()
        went = places.pending[rows] & (live_since >= chain)
        phase[went], reason[went] = phases.GROWTH, phases.R_WENT_LIVE
        matured = np.where(carry.matured[g] >= chain, carry.matured[g], phases.UNSET)
        ripe = (day - chain) >= rules.maturity_after_days
        mature = (phase == phases.GROWTH) & ((matured != phases.UNSET) | (ripe & signals.grade_ok[rows]))
        matured = np.where(mature & (matured == phases.UNSET), day, matured)
        phase[mature], reason[mature] = phases.MATURITY, phases.R_MATURITY
        live = places.live[rows]
        was = carry.at_risk[g] & live
        enter = live & ~was & (signals.risk_reason[rows] > 0)
        streak = np.where(was, np.where(signals.clear[rows], carry.streak[g] + 1, 0), 0)
        leave = was & (streak >= risk.leave_after)
        at_risk = (was & ~leave) | enter
        reason = np.where(enter, signals.risk_reason[rows], np.where(leave, phases.R_RISK_CLEARED, reason))
        stage = words.of_phase[phase]
        if words.at_risk >= 0:
            stage = np.where(at_risk, words.at_risk, stage)
        out.before[rows], out.stage[rows] = carry.stage[g], stage
        out.phase[rows], out.reason[rows] = np.where(at_risk, phases.AT_RISK, phase), reason
        carry.stage[g], carry.at_risk[g] = stage, at_risk
        carry.streak[g] = np.where(at_risk & ~enter, streak, 0)
        carry.live_since[g], carry.matured[g] = live_since, matured
        out.at_risk[rows], out.streak[rows] = at_risk, carry.streak[g]
        out.live[rows], out.matured[rows] = live_since, matured
    return out


def assign_stages(
    snapshots: pa.Table,
    contracts: pa.Table,
    model: LifecycleModel,
    previous_state: Mapping[int, StageState] | None = None,
) -> tuple[pa.Table, pa.Table]:
    """Stage per account per snapshot date (in date order) and every stage change with its reason."""
    previous = previous_state or {}
    accounts = np.asarray(pc.cast(snapshots.column("account_id"), pa.int64()).to_numpy(zero_copy_only=False))
    days = phases.days_of(snapshots.column("as_of"))
    order = np.lexsort((days, accounts))
    accounts, days = accounts[order], days[order]
    extra = set(previous.names) if isinstance(previous, StageStates) else {s.stage for s in previous.values()}
    words = _Vocabulary(model, extra)
    places = phases.place(model, phases.contracts_from(contracts, model), accounts, days)
    signals = _signals(snapshots, model, order)
    first = np.r_[True, accounts[1:] != accounts[:-1]] if len(accounts) else np.zeros(0, dtype=bool)
    carry = _carry(accounts[first], previous, words)
    out = _walk_snapshots(accounts, days, places, signals, model, carry, words)
    ids = pa.array(accounts, pa.int64())
    as_of = pa.array(days.astype(np.int32), pa.date32())
    stages = pa.table(
        [
            ids,
            as_of,
            words.strings(out.stage),
            pa.array(phases.PHASE_NAMES, pa.string()).take(pa.array(out.phase.astype(np.int32))),
            pa.array(out.at_risk),
            pa.array(out.streak),
            _dates(out.live),
            _dates(out.matured),
        ],
        schema=STAGES_SCHEMA,
    )
    moved = np.flatnonzero(out.stage != out.before)
    texts = _reasons(model, out.reason[moved], signals.score[moved], signals.inactive[moved])
    transitions = pa.table(
        [
            ids.take(moved),
            as_of.take(moved),
            words.strings(out.before[moved]),
            words.strings(out.stage[moved]),
            texts,
        ],
        schema=TRANSITIONS_SCHEMA,
    )
    return stages, transitions


def _dates(days: np.ndarray) -> pa.Array:
    """Day numbers as a date32 array (null where unset)."""
    unset = days == phases.UNSET
    return pa.array(np.where(unset, 0, days).astype(np.int32), pa.date32(), mask=unset)


def _reasons(model: LifecycleModel, codes: np.ndarray, score: np.ndarray, inactive: np.ndarray) -> pa.Array:
    """The sentence of each transition; the at-risk ones carry the row's own figure."""
    fixed = phases.reasons(model)
    texts = pa.array(fixed, pa.string()).take(pa.array(codes.astype(np.int32))).to_numpy(zero_copy_only=False)
    below = model.at_risk.enter_below
    low = np.flatnonzero(codes == phases.R_RISK_SCORE)
    texts[low] = [f"health {value:.0f} below {below:g}" for value in score[low].tolist()]
    idle = np.flatnonzero(codes == phases.R_RISK_INACTIVE)
    texts[idle] = [f"no activity for {value:.0f} days" for value in inactive[idle].tolist()]
    return pa.array(texts, pa.string())


def states_from(stages: pa.Table) -> StageStates:
    """The state to carry on from: each account's last row of a stages table (a mapping by account)."""
    accounts = np.asarray(pc.cast(stages.column("account_id"), pa.int64()).to_numpy(zero_copy_only=False))
    order = np.lexsort((phases.days_of(stages.column("as_of")), accounts))
    ends = order[np.r_[accounts[order][1:] != accounts[order][:-1], True]] if len(order) else order
    last = stages.take(pa.array(ends, pa.int64()))
    stage = pc.dictionary_encode(pc.cast(last.column("stage"), pa.string()).combine_chunks())
    return StageStates(
        ids=accounts[ends],
        names=[None, *stage.dictionary.to_pylist()],
        stage=np.asarray(pc.fill_null(stage.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64) + 1,
        at_risk=np.asarray(
            pc.fill_null(last.column("at_risk"), False).to_numpy(zero_copy_only=False), dtype=bool
        ),
        streak=np.asarray(pc.fill_null(last.column("risk_clear_streak"), 0).to_numpy(zero_copy_only=False)),
        live_since=phases.days_of(last.column("live_since"), phases.UNSET),
        matured=phases.days_of(last.column("matured_since"), phases.UNSET),
    )
