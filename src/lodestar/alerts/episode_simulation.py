"""Which alerts the signals of a span of dates would have raised, with raising's own rules, vectorised.

Raising (alerts/raising.py) runs once per evaluated date: a signal with no live alert and no cool-down
running raises an alert; a live alert is seen again on each date its signal holds; on the first evaluated
date at least resolve_after_days after it was last seen without its signal, it resolves and the cool-down
runs cooldown_days from that date. The simulation replays exactly that, one step per signal position
within each (rule, account), every (rule, account) at once: as many numpy steps as the most signals one
pair has (at most the number of dates), never a Python loop over accounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lodestar.alerts.schemas import AlertRule
from lodestar.kit.time import day_number

RAISED = pa.schema([("rule_key", pa.string()), ("account_id", pa.int64()), ("day", pa.int32())])
NEVER = np.iinfo(np.int64).max // 4  # a day no resolution reaches


def _sorted_pairs(signals: pa.Table, keys: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rule index, account, day number) of the signals, sorted, once each."""
    found = pc.index_in(signals.column("rule_key"), value_set=pa.array(keys, pa.string()))
    rule = pc.fill_null(found, -1).to_numpy().astype(np.int64)
    account = signals.column("account_id").to_numpy()
    day = pc.cast(signals.column("as_of"), pa.int32()).to_numpy().astype(np.int64)
    keep = rule >= 0
    rule, account, day = rule[keep], account[keep], day[keep]
    order = np.lexsort((day, account, rule))
    rule, account, day = rule[order], account[order], day[order]
    if len(day) > 1:
        same = (rule[1:] == rule[:-1]) & (account[1:] == account[:-1]) & (day[1:] == day[:-1])
        fresh = np.concatenate([[True], ~same])
        rule, account, day = rule[fresh], account[fresh], day[fresh]
    return rule, account, day


def simulate(signals: pa.Table, grid: np.ndarray, rules: Mapping[str, AlertRule]) -> pa.Table:
    """The alerts (rule_key, account_id, day number raised) the signals (as_of, rule_key, account_id) raise
    when raising runs on the dates of `grid` (sorted day numbers)."""
    keys = sorted(rules)
    rule, account, day = _sorted_pairs(signals, keys)
    n = len(day)
    if n == 0:
        return RAISED.empty_table()
    starts = np.concatenate([[True], (rule[1:] != rule[:-1]) | (account[1:] != account[:-1])])
    group = np.cumsum(starts) - 1
    position = np.arange(n) - np.flatnonzero(starts)[group]
    pairs = int(group[-1]) + 1
    pair_rule = rule[starts]
    after = np.array([rules[k].resolve_after_days for k in keys], np.int64)[pair_rule]
    cooldown = np.array([rules[k].cooldown_days for k in keys], np.int64)[pair_rule]
    grid = np.asarray(grid, np.int64)
    live = np.zeros(pairs, bool)
    last = np.zeros(pairs, np.int64)
    quiet_until = np.full(pairs, -NEVER, np.int64)  # no new alert before this day (the cool-down)
    raised = np.zeros(n, bool)
    for k in range(int(position.max()) + 1):
        at = np.flatnonzero(position == k)
        g, s = group[at], day[at]
        # A live alert resolved on the first evaluated date resolve_after_days after it was last seen.
        nxt = np.searchsorted(grid, last[g] + after[g])
        when = np.where(nxt < len(grid), grid[np.minimum(nxt, len(grid) - 1)], NEVER)
        ended = live[g] & (after[g] > 0) & (when < s)
        live[g[ended]] = False
        quiet_until[g[ended]] = when[ended] + cooldown[g[ended]]
        new = ~live[g] & (s >= quiet_until[g])
        raised[at[new]] = True
        live[g[new]] = True
        last[g[live[g]]] = s[live[g]]
    return pa.table(
        {
            "rule_key": pa.array(np.array(keys, object)[rule[raised]], pa.string()),
            "account_id": pa.array(account[raised], pa.int64()),
            "day": pa.array(day[raised], pa.int32()),
        },
        schema=RAISED,
    )


def day_numbers(dates: Iterable[date]) -> np.ndarray:
    """Day numbers (days since 1970-01-01) of dates, sorted."""
    return np.array(sorted(day_number(d) for d in dates), np.int64)
