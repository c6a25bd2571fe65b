"""Sums in cents made into figures: amounts as Decimal, the four ratios with four decimals."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from lodestar.renewals.retention.schemas import RetentionFigures

RATIO = Decimal("0.0001")


def amount(cents: int) -> Decimal:
    """Cents as a Decimal amount with two places."""
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def ratio(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator with four decimals (half up); None when the denominator is zero."""
    if denominator == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATIO, rounding=ROUND_HALF_UP)


def figures_of(sums: dict[str, int]) -> RetentionFigures:
    """The figures of one group's sums (GroupSums.row)."""
    start, exp, con, churn = sums["start"], sums["expansion"], sums["contraction"], sums["churn"]
    return RetentionFigures(
        start_arr=amount(start),
        expansion=amount(exp),
        contraction=amount(con),
        churn=amount(churn),
        end_arr=amount(sums["end"]),
        customers_at_start=sums["customers"],
        customers_kept=sums["kept"],
        arr_up_for_renewal=amount(sums["due"]),
        arr_renewed=amount(sums["renewed"]),
        contracts_up_for_renewal=sums["due_contracts"],
        grr=ratio(start - con - churn, start),
        nrr=ratio(start + exp - con - churn, start),
        logo_retention=ratio(sums["kept"], sums["customers"]),
        renewal_rate=ratio(sums["renewed"], sums["due"]),
    )
