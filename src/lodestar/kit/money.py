"""Money is a Decimal amount with an ISO-4217 currency; never a float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_amount(value: Decimal | int | str) -> Decimal:
    """Rounds to cents, half up, as invoices do."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str) -> str:
    """Formats an amount for people: 12,345 CNY (no cents above 1,000)."""
    if abs(amount) >= 1000:
        return f"{amount:,.0f} {currency}"
    return f"{amount:,.2f} {currency}"
