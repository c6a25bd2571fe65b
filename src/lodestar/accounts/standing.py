"""An account's standing as lists show and sort it: its ARR, what that is worth in the company currency,
its health score and grade."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Subquery, case, literal, select

from lodestar.accounts.models import Account


def worth(rates: Mapping[str, Decimal]) -> ColumnElement[Any]:
    """An account's ARR in the company currency at these rates (`kit.money.rates_in_force`), so a list
    sorted by ARR puts 10,000 USD before 50,000 CNY; a currency without a rate counts 1:1, and so does every
    one when there are no rates. A sort key, in floating point: the amounts shown stay the Decimal ARR in
    its own currency."""
    if not rates:
        return Account.arr.expression
    pairs = sorted(rates.items())
    rate = case(*[(Account.currency == code, literal(float(r))) for code, r in pairs], else_=literal(1.0))
    return Account.arr * rate


def standing(rates: Mapping[str, Decimal]) -> Subquery:
    """Every account's ARR, its worth in the company currency, health score and grade as a subquery
    (account_id, arr, worth, health_score, health_grade) another domain's statement joins, to show and sort
    its rows by them."""
    cols = (
        Account.id.label("account_id"),
        Account.arr,
        worth(rates).label("worth"),
        Account.health_score,
        Account.health_grade,
    )
    return select(*cols).subquery("account_standing")
