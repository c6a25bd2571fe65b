"""The alert backtest: for each rule over the history, recall, precision, lead time and noise, with intervals.

Over the snapshot dates of a range, the rules' signals (stored, or evaluated live: signal_history.py) of
the accounts that were customers on the date are replayed through raising's dedupe, cool-down and
auto-resolve (episode_simulation.py). Then, per rule and for any warning rule ("*": warning or critical
severity; info rules are reminders, not warnings of churn):
- churned: customers on a date d of the range whose contract ended without renewal on c, d < c <= d + horizon;
- recall: the share of them warned before their churn (an alert w of the range, w < c);
- precision: the share of warned accounts that churned within the horizon after a warning (w < c <= w + h);
- median lead: days from the first such warning to the end of the churned contract;
- noise: alerts per CSM (owners of the customers) per week of the range;
each with a 95% percentile-bootstrap interval (resampling churned accounts, warned accounts, leads, CSMs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from lodestar.alerts.backtest_data import SPAN, History, first_in, history
from lodestar.alerts.episode_simulation import simulate
from lodestar.alerts.schemas import AlertRules
from lodestar.analytics import snapshot_store
from lodestar.kit.errors import InvalidInput
from lodestar.kit.progress import Progress, silent
from lodestar.kit.stats import bootstrap_means, percentile_interval, resamples
from lodestar.kit.text import Text

BOOTSTRAP = 1000
SEED = 20240607
ALL_RULES = "*"
WARNINGS = ("warning", "critical")


@dataclass(frozen=True)
class RuleFigures:
    """How one rule would have warned over the history (each figure with a 95% bootstrap interval)."""

    rule_key: str
    dates: int  # snapshot dates evaluated
    alerts: int  # alerts it would have raised (dedupe, cool-down and auto-resolve applied)
    accounts_warned: int
    churned: int  # accounts that churned within the horizon of a date in the range
    churned_warned: int  # of those, warned before their churn
    base_rate: float | None  # churned / accounts watched
    recall: float | None
    recall_low: float | None
    recall_high: float | None
    precision: float | None
    precision_low: float | None
    precision_high: float | None
    median_lead_days: float | None  # first warning to contract end, over churned accounts warned
    lead_low: float | None
    lead_high: float | None
    alerts_per_csm_week: float | None
    noise_low: float | None
    noise_high: float | None


def _mean_interval(values: np.ndarray, seed: int) -> tuple[float | None, float | None, float | None]:
    """The mean of the values with its bootstrap interval (None when there are none)."""
    if len(values) == 0:
        return None, None, None
    samples = bootstrap_means(values.astype(float), BOOTSTRAP, np.random.default_rng(seed))
    return float(values.mean()), *percentile_interval(list(samples))


def _median_interval(values: np.ndarray, seed: int) -> tuple[float | None, float | None, float | None]:
    """The median of the values with its bootstrap interval (None when there are none)."""
    if len(values) == 0:
        return None, None, None
    picks = resamples(len(values), BOOTSTRAP, seed)
    medians: list[float | None] = [float(np.median(values[pick])) for pick in picks]
    return float(np.median(values)), *percentile_interval(medians)


def figures(key: str, raised: pa.Table, h: History) -> RuleFigures:
    """A rule's figures from the alerts it raised (rule_key, account_id, day) and the history."""
    acc = raised.column("account_id").to_numpy().astype(np.int64)
    day = raised.column("day").to_numpy().astype(np.int64)
    keys = np.sort(acc * SPAN + day)
    # Recall and lead: each churned account's first warning (in the range) before its churn.
    first = first_in(keys, h.churned * SPAN, h.churned * SPAN + h.churn_day)
    caught = first >= 0
    leads = (h.churn_end[caught] - keys[first[caught]] % SPAN).astype(float)
    # Precision: a warned account churned within the horizon after one of its warnings.
    hit = first_in(h.churn_keys, acc * SPAN + day + 1, acc * SPAN + day + h.horizon + 1) >= 0
    warned, where = np.unique(acc, return_inverse=True)
    churned_after = np.zeros(len(warned), bool)
    np.logical_or.at(churned_after, where, hit)
    # Noise: alerts per CSM per week, over the CSMs who own the watched customers.
    owner_at = first_in(h.owned, acc, acc + 1)  # where each alert's account sits among the owned
    per_csm = np.bincount(h.owner_index[owner_at[owner_at >= 0]], minlength=len(h.csms)) / h.weeks
    return RuleFigures(
        key,
        h.dates,
        len(acc),
        len(warned),
        len(h.churned),
        int(caught.sum()),
        len(h.churned) / h.watched if h.watched else None,
        *_mean_interval(caught, SEED),
        *_mean_interval(churned_after, SEED + 1),
        *_median_interval(leads, SEED + 2),
        *_mean_interval(per_csm, SEED + 3),
    )


def _days(known: list[date], start: date | None, end: date | None, horizon: int, today: date) -> list[date]:
    """The snapshot dates of [start, end]; without an end, those whose whole horizon has passed by today."""
    if horizon < 1:
        raise InvalidInput.one("horizon", Text("must be at least 1 day"))
    if start is not None and end is not None and end < start:
        raise InvalidInput.one("to", Text("%(end)s is before the start %(start)s", end=end, start=start))
    last = end if end is not None else today - timedelta(days=horizon)
    days = [d for d in known if (start is None or d >= start) and d <= last]
    if not days:
        raise InvalidInput.one(
            "from",
            Text(
                "no snapshot date between %(start)s and %(last)s; run the snapshot first or widen the range",
                start=start or Text("the first snapshot"),
                last=last,
            ),
        )
    return days


def backtest_rules(
    session: Session,
    root: Path,
    rules: AlertRules,
    start: date | None,
    end: date | None,
    horizon: int,
    today: date,
    progress: Progress = silent,
) -> list[RuleFigures]:
    """Every enabled rule's figures over the snapshot dates in [start, end] (default: whole horizons)."""
    days = _days(snapshot_store.dates(root), start, end, horizon, today)
    h = history(session, root, rules, days, horizon, progress)
    enabled = {r.key: r for r in rules.rules if r.enabled}
    raised = simulate(h.signals, h.grid, enabled)
    out = []
    for key in enabled:  # in the configuration's order
        mine = raised.filter(pc.equal(raised.column("rule_key"), key))
        out.append(figures(key, mine, h))
    warning = [k for k, r in enabled.items() if r.severity in WARNINGS]
    anyone = raised.filter(pc.is_in(raised.column("rule_key"), pa.array(warning, pa.string())))
    out.append(figures(ALL_RULES, anyone, h))
    return out
