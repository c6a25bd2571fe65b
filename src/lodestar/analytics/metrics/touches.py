"""Touch metrics: days since the last touch and trainings in 180 days."""

from __future__ import annotations

import ibis.expr.types as ir

from lodestar.analytics.metrics.definition import I64, Family, Metric, Scope, count_where, joining


def _parts(scope: Scope) -> list[ir.Table]:
    """(account_id, g, trainings_180d, days_since_last_touch)."""
    t = scope.engine.table("touches", scope.inputs.touches).cross_join(scope.dates)
    t = t.filter(t.day <= t.gday)
    agg = t.group_by(["account_id", "g", "gday"]).aggregate(
        last_touch=t.day.max(),
        trainings_180d=count_where((t.kind == "training") & (t.day > t.gday - 180)),
    )
    return [
        agg.select(
            "account_id",
            "g",
            "trainings_180d",
            days_since_last_touch=(agg.gday - agg.last_touch).cast("int64"),
        )
    ]


FAMILY = Family(
    "touches",
    joining(_parts),
    (
        Metric(
            "days_since_last_touch",
            "touches",
            I64,
            lambda t: t.days_since_last_touch,
            "Days from the latest touch on or before the date.",
        ),
        Metric(
            "trainings_180d",
            "touches",
            I64,
            lambda t: t.trainings_180d.fill_null(0),
            "Training touches in the 180 days up to the date.",
        ),
    ),
)
