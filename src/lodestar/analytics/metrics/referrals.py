"""Referral metrics (转介绍): how many leads an account referred by the date, and whether it has referred
at all — a measure health models and maturity levels can use (an advocate is a healthy, mature customer)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from lodestar.analytics.metrics.definition import F64, I64, Family, Metric, Scope, joining


def _parts(scope: Scope) -> list[ir.Table]:
    """(account_id, g, referrals_made): referrals recorded on or before each date (lost ones count too:
    the customer still vouched for us)."""
    r = scope.engine.table("referrals", scope.inputs.referrals).cross_join(scope.dates)
    r = r.filter(r.referred_day <= r.gday)
    return [r.group_by(["account_id", "g"]).aggregate(referrals_made=r.count())]


FAMILY = Family(
    "referrals",
    joining(_parts),
    (
        Metric(
            "referrals_made",
            "referrals",
            I64,
            lambda t: t.referrals_made.fill_null(0),
            "Leads the account referred on or before the date.",
        ),
        Metric(
            "has_referred",
            "referrals",
            F64,
            # ifelse, not a cast of the comparison: PostgreSQL refuses to cast a boolean to a double.
            lambda t: ibis.ifelse(t.referrals_made.fill_null(0) > 0, 1, 0).cast("float64"),
            "1 when the account has referred at least one lead by the date, else 0.",
        ),
    ),
)
