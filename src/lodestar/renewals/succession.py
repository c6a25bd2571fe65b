"""Which contract renews which: the stored chain (`renews_contract_id`), and where a source gave none (a CRM
export rarely does), the successor implied by the account and the dates. Renewal records and retention
both read the chain through `renewed_ids`, so their figures agree.

A contract S that names no contract it renews succeeds a contract P of the same account when
- P is not cancelled, the source does not say it ended unrenewed (status `expired`, or a recorded churn
  date `churned_on`: the customer left, and a later contract is a win-back) and no contract names it as
  the one it renews;
- S is not cancelled, starts after P started, ends after P ends, and starts within
  `successor.days_before` days before P's end and `successor.days_after` days after it (the `renewals`
  configuration; default 30 and 30).

Each contract renews at most one (the column holds one id). Candidates pair off one to one, nearest start
to end first (then the lower ids, i.e. the order they were stored), so two parallel contracts renewed by two
new ones pair up; a second new contract left without a partner then renews its nearest one too (a contract
split into two: their ARR adds up, as for stored chains). A contract started long before the old one's end
(a mid-term upgrade or an early renewal beyond the tolerance) needs its `renews_contract_id`.

Two contracts merged into one at renewal (two-into-one) are the mirror case: an old contract left with no
successor of its own is **merged into** a contract that renews another one of the account when that
contract meets the same date conditions against it, the nearest first (then the lower id) — a contract the
dates made a successor, or one that names the contract it renews when the source says the old contract was
renewed too (status `renewed`: nothing else can have renewed it; without that word a contract that names
what it renews renews only that one). The merged contract is renewed too: the renewing contract's ARR is
shared among the contracts it renews in proportion to their ARR at stake, so the two count as one renewal
of their sum (`merged_ids`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lodestar.renewals.schemas import SuccessorRule

# A renewing contract that starts more than this many days before the old one ends is an early renewal;
# within it, a renewal signed a little ahead of the end is an ordinary one (records and reports alike).
EARLY_RENEWAL_GRACE_DAYS = 30

# Statuses that say a contract was not renewed: no contract is read as its renewal by the dates alone.
CLOSED_STATUSES = ("expired", "cancelled")


def renewed_ids(
    ids: np.ndarray,
    accounts: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    renews: np.ndarray,
    open_ended: np.ndarray,
    rule: SuccessorRule,
) -> np.ndarray:
    """Per contract, the id of the contract it renews: its stored `renews_contract_id`, else the one the
    account and dates imply, else -1. Days are any day numbers; `renews` is -1 where none is stored;
    `open_ended` marks the contracts that may be succeeded by date (not cancelled, no churn date recorded);
    cancelled contracts must not be among the rows."""
    out = renews.astype(np.int64).copy()
    named = np.isin(ids, renews[renews >= 0])
    may_precede = open_ended & ~named
    may_follow = renews < 0
    if not may_precede.any() or not may_follow.any():
        return out
    pairs, gap, keep = _dated_pairs(accounts, starts, ends, may_precede, may_follow, rule)
    pairs = pairs[keep].assign(
        distance=gap[keep].abs(), p_id=lambda f: ids[f["p"]], s_id=lambda f: ids[f["s"]]
    )
    if pairs.empty:
        return out
    # The usual case, one candidate on each side, needs no choosing; only the rest go through the pairing.
    one_before = pairs.groupby("s")["p"].transform("size") == 1
    alone = one_before & (pairs.groupby("p")["s"].transform("size") == 1)
    out[pairs["s"].to_numpy()[alone]] = ids[pairs["p"].to_numpy()[alone]]
    rest = pairs[~alone].sort_values(["distance", "p_id", "s_id"], kind="stable")
    for s, p in _pair_off(rest["s"].to_numpy(), rest["p"].to_numpy()).items():
        out[s] = ids[p]
    return out


def _dated_pairs(
    accounts: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    may_precede: np.ndarray,
    may_follow: np.ndarray,
    rule: SuccessorRule,
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Every pair of a contract that may precede (positions `p`) and one of the same account that may follow
    (`s`), the gap from the first's end to the second's start, and which pairs the rule's dates allow: the
    follower starts and ends later, within the rule's days before and after the end."""
    before = pd.DataFrame(
        {"account": accounts[may_precede], "p": np.flatnonzero(may_precede), "p_start": starts[may_precede],
         "p_end": ends[may_precede]}
    )  # fmt: skip
    after = pd.DataFrame(
        {"account": accounts[may_follow], "s": np.flatnonzero(may_follow), "s_start": starts[may_follow],
         "s_end": ends[may_follow]}
    )  # fmt: skip
    pairs = after.merge(before, on="account")
    gap = pairs["s_start"] - pairs["p_end"]
    keep = (
        (pairs["s"] != pairs["p"])
        & (pairs["s_start"] > pairs["p_start"])
        & (pairs["s_end"] > pairs["p_end"])
        & (gap >= -rule.days_before)
        & (gap <= rule.days_after)
    )
    return pairs, gap, keep


def _pair_off(s: np.ndarray, p: np.ndarray) -> dict[int, int]:
    """successor position -> predecessor position, from candidate pairs in order of preference: one to one
    first, then each successor still alone takes its first choice."""
    chosen: dict[int, int] = {}
    taken: set[int] = set()
    first_choice: dict[int, int] = {}
    for succ, pred in zip(s.tolist(), p.tolist(), strict=True):
        first_choice.setdefault(succ, pred)
        if succ not in chosen and pred not in taken:
            chosen[succ] = pred
            taken.add(pred)
    return first_choice | chosen


def merged_ids(
    ids: np.ndarray,
    accounts: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    renews: np.ndarray,
    open_ended: np.ndarray,
    rule: SuccessorRule,
    stored: np.ndarray,
    said_renewed: np.ndarray,
) -> np.ndarray:
    """Per contract, the id of the contract it was merged into at renewal (two contracts into one), else -1:
    `renews` is renewed_ids' answer, `stored` the stored chain ids (-1: none) and `said_renewed` the
    contracts whose status says renewed; a contract nothing renews that may be succeeded by date is merged
    into the nearest contract of its account that already renews another and meets the date conditions
    (one that names what it renews only when the source says this contract was renewed)."""
    out = np.full(len(ids), -1, dtype=np.int64)
    alone = open_ended & ~np.isin(ids, renews[renews >= 0])
    renewing = renews >= 0
    if not alone.any() or not renewing.any():
        return out
    pairs, gap, keep = _dated_pairs(accounts, starts, ends, alone, renewing, rule)
    keep &= (stored[pairs["s"].to_numpy()] < 0) | said_renewed[pairs["p"].to_numpy()]
    pairs = pairs[keep].assign(distance=gap[keep].abs(), s_id=lambda f: ids[f["s"]])
    nearest = pairs.sort_values(["distance", "s_id"], kind="stable").drop_duplicates("p")
    out[nearest["p"].to_numpy()] = ids[nearest["s"].to_numpy()]
    return out


def renewed_by(ids: np.ndarray, renews: np.ndarray, merged: np.ndarray) -> dict[int, int]:
    """contract id -> the id of the contract renewing it (the lowest id of several: a split contract), from
    renewed_ids' and merged_ids' answers over the same rows; a merged contract's is the one it went into."""
    has = renews >= 0
    out: dict[int, int] = {}
    for succ, pred in sorted(zip(ids[has].tolist(), renews[has].tolist(), strict=True), reverse=True):
        out[pred] = succ
    into = merged >= 0
    out.update(zip(ids[into].tolist(), merged[into].tolist(), strict=True))
    return out
