"""Contract ARR in the company currency, in cents, at the rate in force on one date (half up, exactly)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from lodestar.kit.errors import InvalidInput
from lodestar.kit.text import Text
from lodestar.renewals.currency import ExchangeRates

NEAR_HALF = 1e-6  # a product this close to x.5 cents is recomputed in Decimal: binary floats miss ties


def check_rates(rates: ExchangeRates, currencies: set[str]) -> None:
    """Refuses, naming every one, the currencies the configuration has no rate for."""
    missing = rates.missing(currencies)
    if missing:
        raise InvalidInput.one(
            "renewals.exchange_rates",
            Text(
                "no exchange rate for %(currency)s: add one in the renewals configuration",
                currency=", ".join(missing),
            ),
        )


def converted_cents(
    cents: np.ndarray, currency: np.ndarray, codes: list[str], rates: ExchangeRates, on: date
) -> np.ndarray:
    """Each amount (cents of its own currency, `currency` indexing `codes`) in cents of the company
    currency at the rate of `on`, rounded half up as ExchangeRates.convert rounds."""
    out = cents.copy()
    for index, code in enumerate(codes):
        if code == rates.company_currency:
            continue
        rate = rates.rate(code, on)
        mine = currency == index
        exact = cents[mine] * float(rate)
        rounded = np.floor(exact + 0.5)
        ties = np.abs(exact - np.floor(exact) - 0.5) < NEAR_HALF
        if ties.any():
            rounded[ties] = [
                float((Decimal(int(v)) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
                for v in cents[mine][ties]
            ]
        out[mine] = rounded.astype(np.int64)
    return out
