"""Survey metrics: the latest NPS and CSAT answers at or before the date."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from lodestar.analytics.metrics.definition import F64, Family, Metric, Scope, joining

KINDS = ("nps", "csat")


def _parts(scope: Scope) -> list[ir.Table]:
    """(account_id, g, <kind>_latest) per survey kind: the newest answer's score."""
    s = scope.engine.table("surveys", scope.inputs.surveys).cross_join(scope.dates)
    s = s.filter(s.answered_hour < (s.gday + 1) * 24.0)
    out = []
    for kind in KINDS:
        k = s.filter(s.kind == kind)
        w = ibis.window(group_by=["account_id", "g"], order_by=[k.answered_hour.desc(), k.response_id.desc()])
        k = k.mutate(rn=ibis.row_number().over(w))
        k = k.filter(k.rn == 0)
        out.append(k.select("account_id", "g", **{f"{kind}_latest": k.score.cast("float64")}))
    return out


FAMILY = Family(
    "surveys",
    joining(_parts),
    (
        Metric("nps_latest", "surveys", F64, lambda t: t.nps_latest, "The latest NPS answer's score."),
        Metric("csat_latest", "surveys", F64, lambda t: t.csat_latest, "The latest CSAT answer's score."),
    ),
)
