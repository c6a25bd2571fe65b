"""Retention per period, per group, over the whole range and the trailing twelve months, from the arrays.

Every amount of a window is converted at the rate in force on the window's first day, the start ARR and
the end ARR alike: a currency that moves during the window shows as neither expansion nor contraction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from lodestar.kit.text import N_, Text
from lodestar.renewals.currency import ExchangeRates
from lodestar.renewals.retention.arr_bridge import (
    Accounts,
    Bridge,
    GroupSums,
    accounts_of,
    bridge,
    group_codes,
)
from lodestar.renewals.retention.contract_arrays import ContractArrays, day_number
from lodestar.renewals.retention.conversion import converted_cents
from lodestar.renewals.retention.figures import figures_of
from lodestar.renewals.retention.periods import Period, PeriodKind, periods_between, trailing_year
from lodestar.renewals.retention.schemas import Breakdown, CohortHeatmap, RetentionReport, RetentionRow

NOT_SET = N_("Not set")


@dataclass
class Grouping:
    """Accounts split one way: each account's group number and the groups' keys."""

    dims: tuple[str, ...]
    codes: np.ndarray
    keys: list[tuple[str, ...]]


def _converted(c: ContractArrays, rates: ExchangeRates, on: date) -> np.ndarray:
    return converted_cents(c.cents, c.currency, c.currencies, rates, on)


def _grouping(accounts: Accounts, dims: tuple[str, ...]) -> Grouping:
    codes, keys = group_codes(accounts, dims)
    return Grouping(dims, codes, keys)


def _bridge(c: ContractArrays, a: Accounts, conv: np.ndarray, p: Period, today: date) -> Bridge:
    measured = min(p.end, today)
    window = (day_number(p.start), day_number(measured), day_number(min(p.end, today + timedelta(days=1))))
    return bridge(c, a, conv, window)


def _sums(b: Bridge, g: Grouping) -> GroupSums:
    return b.sums(g.codes, len(g.keys))


def _rows(
    p: Period, g: Grouping, sums: GroupSums, today: date, names: Mapping[str, str]
) -> list[RetentionRow]:
    rows = []
    for i, key in enumerate(g.keys):
        group = dict(zip(g.dims, key, strict=True))
        label = {d: _label(d, v, names) for d, v in group.items()}
        rows.append(
            RetentionRow(
                period=p.label,
                start=p.start,
                end=p.end,
                measured_on=min(p.end, today),
                partial=p.end > today,
                group=group,
                label=label,
                figures=figures_of(sums.row(i)),
            )
        )
    return rows


def _label(dim: str, value: str, names: Mapping[str, str]) -> str:
    if dim == "csm":
        return names.get(value, NOT_SET) if value != "-1" else NOT_SET
    return value or NOT_SET


def _heatmap(by_period: list[tuple[Period, GroupSums]], g: Grouping) -> CohortHeatmap:
    grid: list[list[float | None]] = []
    for i, _ in enumerate(g.keys):
        line: list[float | None] = []
        for _, sums in by_period:
            f = figures_of(sums.row(i))
            line.append(None if f.nrr is None else float(f.nrr * 100))
        grid.append(line)
    return CohortHeatmap(cohorts=[k[0] for k in g.keys], periods=[p.label for p, _ in by_period], nrr=grid)


def compute(
    c: ContractArrays, rates: ExchangeRates, kind: PeriodKind, by: list[Breakdown], span: tuple[date, date],
    today: date, csm_names: Mapping[str, str],
) -> RetentionReport:  # fmt: skip
    """The report over the periods of `kind` from span[0]'s to span[1]'s; figures as of today."""
    accounts = accounts_of(c)
    total, groups = _grouping(accounts, ()), _grouping(accounts, tuple(by))
    cohorts = _grouping(accounts, ("signing_quarter",))
    periods = periods_between(kind, *span)
    totals, grouped, heat = [], [], []
    for p in periods:
        moved = _bridge(c, accounts, _converted(c, rates, p.start), p, today)
        totals += _rows(p, total, _sums(moved, total), today, csm_names)
        if by:
            grouped += _rows(p, groups, _sums(moved, groups), today, csm_names)
        heat.append((p, _sums(moved, cohorts)))
    whole = Period(f"{periods[0].label}..{periods[-1].label}", periods[0].start, periods[-1].end)
    trailing = trailing_year(min(span[1] + timedelta(days=1), today))
    extra = [
        _rows(
            w, total, _sums(_bridge(c, accounts, _converted(c, rates, w.start), w, today), total), today, {}
        )[0]
        for w in (whole, trailing)
    ]
    return RetentionReport(
        currency=rates.company_currency,
        rate_rule=Text(
            "Amounts are converted to %(currency)s at the exchange rate in force on each period's "
            "first day, at the start and at the end alike: currency moves show as neither expansion "
            "nor contraction.",
            currency=rates.company_currency,
        ),
        period=kind,
        by=by,
        first=span[0],
        last=span[1],
        periods=[p.label for p in periods],
        totals=totals,
        groups=grouped,
        whole_range=extra[0],
        trailing_12_months=extra[1],
        cohort_heatmap=_heatmap(heat, cohorts),
    )
