"""Contract phases: the phase of every (account, day) row on its contract as array arithmetic (before
status overrides)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lodestar.lifecycle.schemas import LifecycleModel

CHAIN_GAP_DAYS = 31  # a contract starting within this many days of the last one's end continues the chain
NEVER = 2**40  # a day after every real day: "no such date" where a date must be reached
UNSET = -(2**40)  # a day before every real day: "not yet" for dates the engine carries
CHUNK_ROWS = 1 << 20  # rows placed at a time, to bound memory

# Phase codes; PHASE_NAMES[code] is what the tables show.
NONE, HANDOVER, ONBOARDING, GROWTH, MATURITY, AT_RISK, RENEWAL, CHURNED, LEAD = range(9)
PHASE_NAMES: tuple[str | None, ...] = (
    None,
    "handover",
    "onboarding",
    "growth",
    "maturity",
    "at_risk",
    "renewal",
    "churned",
    "lead_pool",
)
# Reason codes; reasons(model)[code] is the sentence (risk reasons are formatted per row by the engine).
(
    R_NO_CONTRACT,
    R_NEW_SIGNED,
    R_RENEWED_WAITING,
    R_SIGNED,
    R_ENDED,
    R_WIN_BACK_PASSED,
    R_RENEWAL_OPENED,
    R_HANDOVER_DONE,
    R_DAYS_SINCE_START,
    R_WENT_LIVE,
    R_GROWTH_DAY,
    R_MATURITY,
    R_RISK_SCORE,
    R_RISK_INACTIVE,
    R_RISK_CLEARED,
) = range(15)


def reasons(model: LifecycleModel) -> list[str]:
    """The sentence of each reason code under a model."""
    rules, risk = model.timeline, model.at_risk
    if rules.renewal_lead_days is not None:
        why = f"{rules.renewal_lead_days} days before the contract ends"
    else:
        share = rules.renewal_share or 1 / 3
        why = f"last {share:.0%} of the term" if abs(share - 1 / 3) > 1e-3 else "last third of the term"
    return [
        "no contract yet",
        "new contract signed",
        "renewed; waiting for the new term to start",
        "contract signed",
        "contract ended without renewal",
        f"win-back window of {model.churn.win_back_days} days passed",
        f"renewal window opened ({why})",
        "handover done",
        f"{rules.onboarding_after_days} days since the start",
        "went live",
        f"day {rules.growth_after_days} reached",
        f"day {rules.maturity_after_days} reached while healthy",
        "",
        "",
        f"risk cleared: health at or above {risk.leave_above:g} for {risk.leave_after} snapshots",
    ]


def days_of(column: pa.ChunkedArray | pa.Array, missing: int = NEVER) -> np.ndarray:
    """A date column as int64 days since 1970-01-01 (`missing` where null)."""
    ints = pc.cast(pc.cast(column, pa.date32()), pa.int32())
    return np.asarray(pc.fill_null(pc.cast(ints, pa.int64()), missing).to_numpy(zero_copy_only=False))


@dataclass(frozen=True)
class Contracts:
    """Contracts sorted by account, start and (on ties) reverse input order, with per-contract facts."""

    ids: np.ndarray  # the accounts that have contracts, ascending
    first: np.ndarray  # position of each of those accounts' first contract
    stop: np.ndarray  # one past its last contract
    start: np.ndarray
    end: np.ndarray
    known: np.ndarray  # known from: signing, or the start when earlier or unknown
    renewed: np.ndarray
    handover: np.ndarray
    go_live: np.ndarray
    chain: np.ndarray  # start of the unbroken run of contracts this one ends
    opens: np.ndarray  # the day its renewal window opens
    ended: np.ndarray  # among contracts up to this position: the one ending last (first listed on ties)
    key: np.ndarray  # (account rank, start) folded into one sortable integer
    low: int
    span: int


def renewal_window_opens(model: LifecycleModel, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The day (int64 days since 1970-01-01) each contract's renewal window opens: a fixed lead before its
    end, or the last share of its term."""
    rules = model.timeline
    if rules.renewal_lead_days is not None:
        return end - rules.renewal_lead_days
    share = rules.renewal_share or 1 / 3
    return end - np.ceil((end - start) * share).astype(np.int64)


def contracts_from(table: pa.Table, model: LifecycleModel) -> Contracts:
    """Sorts the contracts once and derives everything the rows need."""
    account = np.asarray(pc.cast(table.column("account_id"), pa.int64()).to_numpy(zero_copy_only=False))
    start, end = days_of(table.column("start_date")), days_of(table.column("end_date"))
    n = len(account)
    order = np.lexsort((-np.arange(n), start, account))
    account, start, end = account[order], start[order], end[order]

    def optional(name: str) -> np.ndarray:
        if name not in table.column_names:
            return np.full(n, NEVER, dtype=np.int64)
        return days_of(table.column(name))[order]

    known = np.minimum(optional("signed_on"), start)
    if "status" in table.column_names:
        renewed = pc.fill_null(pc.equal(table.column("status"), "renewed"), False)
        renewed_flags = np.asarray(renewed.to_numpy(zero_copy_only=False), dtype=bool)[order]
    else:
        renewed_flags = np.zeros(n, dtype=bool)
    pos = np.arange(n)
    new_account = np.r_[True, account[1:] != account[:-1]] if n else np.zeros(0, dtype=bool)
    link_broken = new_account | np.r_[True, (start[1:] - end[:-1]) > CHAIN_GAP_DAYS][:n]
    run_start = np.maximum.accumulate(np.where(link_broken, pos, 0)) if n else pos
    new_tie = new_account | np.r_[True, start[1:] != start[:-1]][:n]
    tie_start = np.maximum.accumulate(np.where(new_tie, pos, 0)) if n else pos
    opens = renewal_window_opens(model, start, end)
    rank_of = np.empty(n, dtype=np.int64)
    rank_of[np.lexsort((-order, end))] = pos  # rank by end, then by earlier input order on ties
    seq = np.cumsum(new_account) - 1
    best = np.maximum.accumulate(seq * max(n, 1) + rank_of) - seq * max(n, 1) if n else rank_of
    at_rank = np.empty(n, dtype=np.int64)
    at_rank[rank_of] = pos
    ids, first = (account[new_account], pos[new_account]) if n else (account, pos)
    low = int(start.min()) if n else 0
    span = int(start.max()) - low + 2 if n else 2
    return Contracts(
        ids=ids,
        first=first,
        stop=np.r_[first[1:], n].astype(np.int64),
        start=start,
        end=end,
        known=known,
        renewed=renewed_flags,
        handover=optional("handover_done_on"),
        go_live=optional("go_live_on"),
        chain=start[run_start[tie_start]] if n else start,
        opens=opens,
        ended=at_rank[best] if n else pos,
        key=seq * span + (start - low),
        low=low,
        span=span,
    )


@dataclass
class Places:
    """Per row: phase and reason codes, whether the account is live, its chain start (NEVER if none), and
    whether reaching the go-live criteria on or after the chain start would make it `growth` (went live)."""

    phase: np.ndarray
    reason: np.ndarray
    live: np.ndarray
    chain: np.ndarray
    pending: np.ndarray


def place(model: LifecycleModel, contracts: Contracts, accounts: np.ndarray, days: np.ndarray) -> Places:
    """The contract phase of each (account, day) row, in chunks of rows."""
    parts = [
        _place(model, contracts, accounts[i : i + CHUNK_ROWS], days[i : i + CHUNK_ROWS])
        for i in range(0, len(accounts), CHUNK_ROWS)
    ] or [_place(model, contracts, accounts[:0], days[:0])]
    return Places(*(np.concatenate([getattr(p, f) for p in parts]) for f in Places.__dataclass_fields__))


def _walk(
    found: np.ndarray,
    active: np.ndarray,
    cursor: np.ndarray,
    limit: np.ndarray,
    test: Callable[[np.ndarray, np.ndarray], np.ndarray],
    step: int,
) -> None:
    """Moves each active row's cursor by `step` until `test(rows, positions)` holds or it passes limit."""
    while len(active):
        ok = test(active, cursor[active])
        found[active[ok]] = cursor[active[ok]]
        rest = active[~ok]
        cursor[rest] += step
        active = rest[(cursor[rest] >= limit[rest]) if step < 0 else (cursor[rest] < limit[rest])]


def _locate(
    c: Contracts, accounts: np.ndarray, days: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row: whether a contract has started, the last one started, the live one and the next one known
    (positions into the sorted contracts; -1 where there is none)."""
    n = len(accounts)
    rank = np.clip(np.searchsorted(c.ids, accounts), 0, max(len(c.ids) - 1, 0))
    has = (rank < len(c.ids)) & (c.ids[rank] == accounts) if len(c.ids) else np.zeros(n, dtype=bool)
    lo = np.where(has, c.first[rank] if len(c.ids) else 0, 0)
    hi = np.where(has, c.stop[rank] if len(c.ids) else 0, 0)
    wanted = rank * c.span + np.clip(days - c.low, -1, c.span - 1)
    last = np.where(has, np.searchsorted(c.key, wanted, side="right") - 1, -1)  # last contract started
    started = has & (last >= lo)
    current = np.full(n, -1, dtype=np.int64)
    _walk(current, np.flatnonzero(started), last.copy(), lo, lambda r, p: c.end[p] >= days[r], -1)
    ahead = np.full(n, -1, dtype=np.int64)
    nxt = np.where(has, last + 1, 0)
    _walk(ahead, np.flatnonzero(has & (nxt < hi)), nxt, hi, lambda r, p: c.known[p] <= days[r], 1)
    return started, last, current, ahead


def _place(model: LifecycleModel, c: Contracts, accounts: np.ndarray, days: np.ndarray) -> Places:
    n = len(accounts)
    started, last, current, ahead = _locate(c, accounts, days)

    phase = np.full(n, NONE, dtype=np.int8)
    reason = np.full(n, R_NO_CONTRACT, dtype=np.int8)
    chain = np.full(n, NEVER, dtype=np.int64)
    pending = np.zeros(n, dtype=bool)
    live_now, has_ahead = current >= 0, ahead >= 0
    ahead_start = c.start[np.maximum(ahead, 0)] if len(c.start) else np.zeros(n, dtype=np.int64)

    # No live contract but an earlier one ended: renewal pending, a fresh start, churn or the lead pool.
    ended_rows = np.flatnonzero(started & ~live_now)
    ended = c.ended[last[ended_rows]]
    gone = c.end[ended]
    waits = c.renewed[ended] | has_ahead[ended_rows]
    fresh = waits & has_ahead[ended_rows] & ((ahead_start[ended_rows] - gone) > CHAIN_GAP_DAYS)
    churned = ~waits & ((days[ended_rows] - gone) <= model.churn.win_back_days)
    phase[ended_rows] = np.select([fresh, waits, churned], [HANDOVER, RENEWAL, CHURNED], LEAD)
    reason[ended_rows] = np.select(
        [fresh, waits, churned], [R_NEW_SIGNED, R_RENEWED_WAITING, R_ENDED], R_WIN_BACK_PASSED
    )
    chain[ended_rows[fresh]] = days[ended_rows[fresh]]

    # Nothing started yet but a contract is signed: handover.
    signed = np.flatnonzero(~started & has_ahead)
    phase[signed], reason[signed], chain[signed] = HANDOVER, R_SIGNED, ahead_start[signed]

    # A live contract: renewal window, handover, onboarding or growth by tenure and go-live.
    rows = np.flatnonzero(live_now)
    cur = current[rows]
    day = days[rows]
    run = c.chain[cur]
    tenure = day - run
    rules = model.timeline
    renewal = day >= c.opens[cur]
    handed = day >= c.handover[cur]
    handover = ~renewal & ~handed & (tenure < rules.onboarding_after_days)
    went = day >= c.go_live[cur]
    onboarding = ~renewal & ~handover & ~went & (tenure < rules.growth_after_days)
    growth_reason = np.where(went, R_WENT_LIVE, R_GROWTH_DAY)
    onboarding_reason = np.where(handed, R_HANDOVER_DONE, R_DAYS_SINCE_START)
    phase[rows] = np.select([renewal, handover, onboarding], [RENEWAL, HANDOVER, ONBOARDING], GROWTH)
    reason[rows] = np.select(
        [renewal, handover, onboarding], [R_RENEWAL_OPENED, R_SIGNED, onboarding_reason], growth_reason
    )
    chain[rows] = run
    pending[rows] = ~renewal & ~handover & ~went
    live = live_now.copy()
    live[ended_rows[waits]] = True
    live[signed] = True
    return Places(phase, reason, live, chain, pending)
