"""Money is a Decimal amount with an ISO-4217 currency; never a float."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

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
