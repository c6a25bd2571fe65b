"""Summary figures rolled up from SQL groups: ARR per currency, never one total across currencies."""

from __future__ import annotations

from decimal import Decimal

from lodestar.portfolio.summary import summarise


def test_groups_roll_up_per_currency_grade_and_stage_in_model_order() -> None:
    groups = [
        ("CNY", "green", "growth", 2, Decimal("100.10")),
        ("USD", "red", "at_risk", 1, 0.1 + 0.2),  # SQLite hands sums of NUMERIC back as floats
        ("CNY", None, None, 1, None),
        ("CNY", "red", "maturity", 3, Decimal("50")),
        ("EUR", "yellow", "custom_stage", 1, Decimal("7")),
    ]
    got = summarise(groups, ["handover", "growth", "maturity", "at_risk"])
    assert got.accounts == 8
    assert got.arr == [("CNY", Decimal("150.10")), ("EUR", Decimal("7.00")), ("USD", Decimal("0.30"))]
    assert got.grades == {"green": 2, "yellow": 1, "red": 4, "none": 1}
    assert got.stages == [("growth", 2), ("maturity", 3), ("at_risk", 1), ("custom_stage", 1), ("none", 1)]
    assert (got.grade("red"), got.stage("handover")) == (4, 0)
