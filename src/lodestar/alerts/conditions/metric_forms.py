"""The forms over a snapshot value: threshold (against a constant), change (against an earlier date) and
swing (against the account's own mean over the prior weeks)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lodestar.alerts.conditions.account_frame import AccountFrame, Reads
from lodestar.alerts.conditions.evidence import is_share, label, shown, shown_one, signed, word
from lodestar.alerts.conditions.outcome import Outcome, Sentences
from lodestar.alerts.schemas import SNAPSHOT_FIELDS, Change, Swing, Threshold
from lodestar.kit.text import N_

EPSILON = 1e-9  # "falls by at least 15" holds at exactly 15 despite binary fractions

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
SHOWN_OPERATORS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}


def column_of(metric: str) -> str:
    """The snapshot column of a metric or snapshot field (health_score is stored as `score`)."""
    return SNAPSHOT_FIELDS.get(metric, metric)


def threshold_reads(frame: AccountFrame, cond: Threshold) -> Reads:
    """What a threshold reads: the value on as_of."""
    return [(frame.as_of, column_of(cond.metric))]


def change_reads(frame: AccountFrame, cond: Change) -> Reads:
    """What a change reads: the value on as_of and on the date compared."""
    then = frame.compared(cond.days)
    return [(d, column_of(cond.metric)) for d in (frame.as_of, then) if d is not None]


def swing_reads(frame: AccountFrame, cond: Swing) -> Reads:
    """What a swing reads: the value on as_of and on the baseline's dates."""
    return [(d, column_of(cond.metric)) for d in (frame.as_of, *frame.baseline(cond.baseline_days))]


def threshold(frame: AccountFrame, cond: Threshold) -> Outcome:
    """The value on as_of compared with a constant (text: equal or not); a missing value never holds."""
    column = column_of(cond.metric)
    if isinstance(cond.value, str):
        if cond.op not in ("==", "!="):
            raise ValueError(f"{cond.metric} {cond.op} {cond.value!r}: text is compared with == or != only")
        values = pc.cast(frame.column(frame.as_of, column), pa.string())
        same = pc.equal(values, cond.value) if cond.op == "==" else pc.not_equal(values, cond.value)
        holds = np.asarray(pc.fill_null(same, False).to_numpy(zero_copy_only=False), dtype=bool)
        at = np.flatnonzero(holds)
        now: Any = [word(v) for v in values.take(pa.array(at, pa.int64())).to_pylist()]
        limit: Any = word(cond.value)
    else:
        numbers = frame.numbers(frame.as_of, column)
        with np.errstate(invalid="ignore"):
            holds = OPERATORS[cond.op](numbers, float(cond.value)) & ~np.isnan(numbers)
        at = np.flatnonzero(holds)
        now = shown(cond.metric, numbers[at])
        limit = shown_one(cond.metric, float(cond.value))
    values_of = {"metric": label(cond.metric), "now": now, "op": SHOWN_OPERATORS[cond.op], "limit": limit}
    sentence = Sentences(N_("%(metric)s %(now)s (threshold %(op)s %(limit)s)"), at, values_of)
    return Outcome(holds, (sentence,))


def _moved(direction: str, change: np.ndarray, by: float) -> np.ndarray:
    """Where a change (NaN: unknown) moved by at least `by` in the direction."""
    with np.errstate(invalid="ignore"):
        moved = change <= -by + EPSILON if direction == "falls" else change >= by - EPSILON
    return moved & ~np.isnan(change)


def _difference(metric: str, values: np.ndarray) -> pa.Array:
    """A change in the metric's own unit, signed (shares in percentage points, shown with %)."""
    return signed(np.round(values * 100), "%") if is_share(metric) else signed(values)


def change(frame: AccountFrame, cond: Change) -> Outcome:
    """The value on as_of against the newest stored date on or before as_of - days (no more than
    COMPARE_TOLERANCE_DAYS earlier); with no such date, or no value on either, it does not hold."""
    then = frame.compared(cond.days)
    if then is None:
        return Outcome.never(len(frame))
    column = column_of(cond.metric)
    now, before = frame.numbers(frame.as_of, column), frame.numbers(then, column)
    delta = now - before
    holds = _moved(cond.direction, delta, cond.by)
    at = np.flatnonzero(holds)
    values = {
        "metric": label(cond.metric),
        "before": shown(cond.metric, before[at]),
        "now": shown(cond.metric, now[at]),
        "change": _difference(cond.metric, delta[at]),
        "days": (frame.as_of - then).days,
    }
    sentence = Sentences(N_("%(metric)s %(before)s → %(now)s (%(change)s) in %(days)s days"), at, values)
    return Outcome(holds, (sentence,))


def _baseline(frame: AccountFrame, column: str, days: int) -> np.ndarray:
    """Each account's mean value over the stored dates of the prior `days` days (NaN: none)."""
    dates = frame.baseline(days)
    if not dates:
        return np.full(len(frame), np.nan)
    stack = np.vstack([frame.numbers(d, column) for d in dates])
    counted = (~np.isnan(stack)).sum(axis=0)
    total = np.nansum(stack, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counted > 0, total / np.maximum(counted, 1), np.nan)


def swing(frame: AccountFrame, cond: Swing) -> Outcome:
    """The value on as_of against the mean of the account's values on the stored dates of the prior
    baseline_days (as_of excluded); a baseline that is missing or not above 0 does not hold."""
    column = column_of(cond.metric)
    now, base = frame.numbers(frame.as_of, column), _baseline(frame, column, cond.baseline_days)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(base > 0, (now - base) / np.where(base > 0, base, 1), np.nan)
    holds = _moved(cond.direction, share, cond.percent / 100)
    at = np.flatnonzero(holds)
    values: dict[str, Any] = {
        "metric": label(cond.metric),
        "before": shown(cond.metric, base[at]),
        "now": shown(cond.metric, now[at]),
        "change": signed(np.round(share[at] * 100), "%"),
    }
    if cond.baseline_days % 7 == 0:
        values["weeks"] = cond.baseline_days // 7
        msgid = N_("%(metric)s %(before)s → %(now)s (%(change)s) vs the prior %(weeks)s weeks")
    else:
        values["days"] = cond.baseline_days
        msgid = N_("%(metric)s %(before)s → %(now)s (%(change)s) vs the prior %(days)s days")
    return Outcome(holds, (Sentences(msgid, at, values),))
