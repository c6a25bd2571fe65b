"""Money is a Decimal amount with an ISO-4217 currency; never a float."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

CENT = Decimal("0.01")


def to_amount(value: Decimal | int | str) -> Decimal:
    """Rounds to cents, half up, as invoices do."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str) -> str:
    """Formats an amount for people: 12,345 CNY (no cents above 1,000)."""
    if abs(amount) >= 1000:
        return f"{amount:,.0f} {currency}"
    return f"{amount:,.2f} {currency}"


class CompanyRates(Protocol):
    """Amounts into the company currency at the rate in force on a day (the renewals configuration's
    `ExchangeRates`; a domain below renewals is handed one)."""

    company_currency: str

    def convert(self, amount: Decimal, currency: str, on: date) -> Decimal:
        """The amount in the company currency, rounded to cents; refuses a currency with no rate."""
        ...

    def missing(self, currencies: set[str]) -> list[str]:
        """The currencies among these that have no rate (sorted)."""
        ...

    def in_force(self, on: date) -> dict[str, Decimal]:
        """Every currency's rate on that date, the company currency's 1 (for a conversion done in SQL)."""
        ...


# A session in, the company's rates out. The renewals configuration owns the rates and sits above most
# domains, so the app registers its reader here once (as for the configuration kinds, at start).
RatesReader = Callable[[Any], CompanyRates]
_rates_reader: list[RatesReader] = []


def read_rates_with(reader: RatesReader) -> None:
    """Registers where the company currency and exchange rates come from."""
    _rates_reader[:] = [reader]


def company_rates(session: Any) -> CompanyRates | None:
    """The company currency and exchange rates in force (None when no reader is registered: no app)."""
    return _rates_reader[0](session) if _rates_reader else None


def rates_in_force(session: Any, on: date) -> dict[str, Decimal]:
    """Every rated currency's rate on that day (empty when no reader is registered: amounts count 1:1)."""
    rates = company_rates(session)
    return rates.in_force(on) if rates is not None else {}
