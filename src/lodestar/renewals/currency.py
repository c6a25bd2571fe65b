"""Amounts in the company currency, converted with the rate in force on a date; never CNY added to USD."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import date
from decimal import Decimal

from lodestar.kit.errors import InvalidInput
from lodestar.kit.money import to_amount
from lodestar.kit.text import Text
from lodestar.renewals.schemas import RenewalSettings


class ExchangeRates:
    """The dated rates of one configuration version. A date before a currency's first rate uses that first
    rate: a company that sets its rates today still sees its older contracts converted."""

    def __init__(self, settings: RenewalSettings) -> None:
        self.company_currency = settings.company_currency
        by_currency: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
        for rate in settings.exchange_rates:
            by_currency[rate.currency].append((rate.valid_from, rate.rate))
        self._dates = {c: [d for d, _ in sorted(rs)] for c, rs in by_currency.items()}
        self._rates = {c: [r for _, r in sorted(rs)] for c, rs in by_currency.items()}

    def rate(self, currency: str, on: date) -> Decimal:
        """Company-currency units per unit of `currency` on that date; refuses a currency with no rate."""
        if currency == self.company_currency:
            return Decimal(1)
        if currency not in self._rates:
            raise InvalidInput.one(
                "renewals.exchange_rates",
                Text(
                    "no exchange rate for %(currency)s: add one in the renewals configuration",
                    currency=currency,
                ),
            )
        at = max(bisect_right(self._dates[currency], on) - 1, 0)
        return self._rates[currency][at]

    def in_force(self, on: date) -> dict[str, Decimal]:
        """Every currency's rate on that date, the company currency's 1 (for a conversion done in SQL)."""
        return {**{c: self.rate(c, on) for c in self._rates}, self.company_currency: Decimal(1)}

    def convert(self, amount: Decimal, currency: str, on: date) -> Decimal:
        """The amount in the company currency, rounded to cents."""
        return to_amount(amount * self.rate(currency, on))

    def change_dates(self) -> list[date]:
        """Every day a rate changes (each currency's first rate applies before it too), ascending: between
        two of them every currency converts at one rate."""
        return sorted({d for dates in self._dates.values() for d in dates[1:]})

    def missing(self, currencies: set[str]) -> list[str]:
        """The currencies among these that have no rate (sorted), for a report that names them all at once."""
        return sorted(c for c in currencies if c != self.company_currency and c not in self._rates)
