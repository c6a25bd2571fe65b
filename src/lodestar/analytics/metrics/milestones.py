"""Success-plan metrics: milestones due by the date and the share reached on time (里程碑达成率).

The same arithmetic as `success_plans.attainment`: a milestone counts once its target date has come or it
was reached; dropped ones never count; on time means reached on or before the target date.
"""

from __future__ import annotations

import ibis.expr.types as ir

from lodestar.analytics.metrics.definition import F64, I64, Family, Metric, Scope, count_where, joining


def _parts(scope: Scope) -> list[ir.Table]:
    """(account_id, g, milestones_due, milestones_on_time)."""
    m = scope.engine.table("milestones", scope.inputs.milestones).cross_join(scope.dates)
    reached = m.reached_day.notnull() & (m.reached_day <= m.gday)
    m = m.filter((m.status != "dropped") & ((m.target_day <= m.gday) | reached.fill_null(False)))
    on_time = reached & (m.reached_day <= m.target_day)
    agg = m.group_by(["account_id", "g"]).aggregate(
        milestones_due=m.count(), milestones_on_time=count_where(on_time)
    )
    return [agg]


FAMILY = Family(
    "milestones",
    joining(_parts),
    (
        Metric(
            "milestones_due",
            "milestones",
            I64,
            lambda t: t.milestones_due.fill_null(0),
            "Milestones of the success plan due or reached by the date (dropped ones left out).",
        ),
        Metric(
            "milestone_attainment",
            "milestones",
            F64,
            lambda t: t.milestones_on_time.cast("float64") / t.milestones_due.cast("float64"),
            "Share of the milestones due or reached by the date that were reached on time (none due: null).",
        ),
    ),
)
