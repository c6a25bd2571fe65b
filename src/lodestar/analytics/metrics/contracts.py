"""Contract metrics: ARR of live contracts, and the days to end and term elapsed of the nearest-ending one.

The live contracts' seats are summed in the same pass; the usage family reports them as `seats`.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from lodestar.analytics.metrics.definition import F64, I64, Family, Metric, Scope, joining


def _parts(scope: Scope) -> list[ir.Table]:
    """(account_id, g, arr, seats) of live contracts and (account_id, g, days_to_end, term_elapsed_share)."""
    c = scope.engine.table("contracts", scope.inputs.contracts).cross_join(scope.dates)
    c = c.filter((c.start_day <= c.gday) & (c.end_day >= c.gday) & (c.status != "cancelled"))
    sums = c.group_by(["account_id", "g"]).aggregate(arr=c.arr.sum(), seats=c.seats.sum())
    w = ibis.window(group_by=["account_id", "g"], order_by=[c.end_day, c.contract_id])
    first = c.mutate(rn=ibis.row_number().over(w))
    first = first.filter(first.rn == 0)
    length = first.end_day - first.start_day
    near = first.select(
        "account_id",
        "g",
        days_to_end=(first.end_day - first.gday).cast("int64"),
        term_elapsed_share=ibis.ifelse(
            length > 0, (first.gday - first.start_day).cast("float64") / length, ibis.null()
        ),
    )
    return [sums, near]


FAMILY = Family(
    "contracts",
    joining(_parts),
    (
        Metric(
            "arr", "contracts", F64, lambda t: t.arr.fill_null(0), "ARR of the contracts live on the date."
        ),
        Metric(
            "days_to_end",
            "contracts",
            I64,
            lambda t: t.days_to_end,
            "Days until the nearest-ending live contract ends.",
        ),
        Metric(
            "term_elapsed_share",
            "contracts",
            F64,
            lambda t: t.term_elapsed_share,
            "Share of the nearest-ending live contract's term already elapsed.",
        ),
    ),
)
