"""Stakeholder metrics from the contacts: a champion present, a decision maker who left in 90 days.

A contact with a leaving date is present before that day; one without is present while active.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from lodestar.analytics.metrics.definition import Family, Metric, Scope, count_where, joining


def _parts(scope: Scope) -> list[ir.Table]:
    """(account_id, g, champions, dm_left): present champions and decision makers gone in 90 days."""
    c = scope.engine.table("contacts", scope.inputs.contacts).cross_join(scope.dates)
    present = ibis.ifelse(c.left_day.isnull(), c.active.fill_null(True), c.left_day > c.gday)
    left = (c.left_day > c.gday - 90) & (c.left_day <= c.gday)
    agg = c.group_by(["account_id", "g"]).aggregate(
        champions=count_where((c.role == "champion") & present),
        dm_left=count_where((c.role == "decision_maker") & left),
    )
    return [agg]


FAMILY = Family(
    "stakeholders",
    joining(_parts),
    (
        Metric(
            "champion_present",
            "stakeholders",
            pa.bool_(),
            lambda t: t.champions.fill_null(0) > 0,
            "Whether a champion is among the account's present contacts.",
        ),
        Metric(
            "decision_maker_left_90d",
            "stakeholders",
            pa.bool_(),
            lambda t: t.dm_left.fill_null(0) > 0,
            "Whether a decision maker left in the 90 days up to the date.",
        ),
    ),
)
