"""The renewals pipeline as figures: open renewals by month of contract end × forecast category, and the
forecast against the actual outcome for past months — ARR in the company currency, each group converted on
its contract end's rate (a currency without a rate is named, never added as if it were the company's)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from lodestar.kit.errors import InvalidInput
from lodestar.renewals.currency import ExchangeRates
from lodestar.renewals.records.schemas import RENEWED
from lodestar.renewals.schemas import FORECAST_CATEGORIES

NO_FORECAST = "none"
COLUMNS: tuple[str, ...] = (*FORECAST_CATEGORIES, NO_FORECAST)
ZERO = Decimal("0.00")


@dataclass
class Cell:
    """Renewals and their ARR (company currency)."""

    count: int = 0
    arr: Decimal = ZERO

    def add(self, count: int, arr: Decimal) -> None:
        """Adds a group to the cell."""
        self.count += count
        self.arr += arr


@dataclass
class Pipeline:
    """Open renewals: cells by (month, category), totals by month and by category, the grand total."""

    currency: str
    months: list[date] = field(default_factory=list)
    cells: dict[tuple[date, str], Cell] = field(default_factory=lambda: defaultdict(Cell))
    by_month: dict[date, Cell] = field(default_factory=lambda: defaultdict(Cell))
    by_category: dict[str, Cell] = field(default_factory=lambda: defaultdict(Cell))
    total: Cell = field(default_factory=Cell)
    missing_rates: list[str] = field(default_factory=list)


@dataclass
class Call:
    """One forecast category's record over past months: how many it called, how many renewed."""

    category: str
    closed: int = 0
    renewed: int = 0
    arr: Decimal = ZERO
    renewed_arr: Decimal = ZERO

    @property
    def share(self) -> float | None:
        """The share of the renewals called this way that renewed (None: none called)."""
        return self.renewed / self.closed if self.closed else None


def month_of(day: date) -> date:
    """The first day of the day's month."""
    return day.replace(day=1)


def _converted(
    rates: ExchangeRates, amount: Any, currency: str, on: date, missing: set[str]
) -> Decimal | None:
    try:
        return rates.convert(Decimal(amount or 0), currency, on)
    except InvalidInput:
        missing.add(currency)
        return None


def pipeline(rows: Iterable[Any], rates: ExchangeRates) -> Pipeline:
    """The pipeline of (contract_end, forecast, currency, renewals, ARR) groups."""
    out, missing = Pipeline(rates.company_currency), set[str]()
    for end, forecast, currency, count, arr in rows:
        amount = _converted(rates, arr, currency, end, missing)
        if amount is None:
            continue
        month, column = month_of(end), forecast or NO_FORECAST
        for cell in (out.cells[(month, column)], out.by_month[month], out.by_category[column], out.total):
            cell.add(int(count), amount)
    out.months = sorted(out.by_month)
    out.missing_rates = sorted(missing)
    return out


def calls(rows: Iterable[Any], rates: ExchangeRates) -> tuple[list[Call], list[str]]:
    """Forecast vs actual of (contract_end, forecast, outcome, currency, renewals, ARR) groups of closed
    renewals, one line per category, and the currencies that had no rate."""
    found, missing = {c: Call(c) for c in COLUMNS}, set[str]()
    for end, forecast, outcome, currency, count, arr in rows:
        amount = _converted(rates, arr, currency, end, missing)
        if amount is None:
            continue
        call = found[forecast or NO_FORECAST]
        call.closed += int(count)
        call.arr += amount
        if outcome in RENEWED:
            call.renewed += int(count)
            call.renewed_arr += amount
    return [found[c] for c in COLUMNS], sorted(missing)
